"""The VS Code extension's manifest agrees with the server and with the extension's code.

package.json must contribute every server setting with the server's key, type and default
(editors/vscode/scripts/sync_settings.py regenerates them), and every command it contributes
must be registered by the extension. The extension's TypeScript unit tests run separately
(`make test-editors`); these checks need the Python settings model, so they live here.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

VSCODE = Path(__file__).resolve().parents[2] / "editors" / "vscode"


def _sync_settings() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "sync_settings", VSCODE / "scripts" / "sync_settings.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_contributed_settings_match_the_server_settings_model() -> None:
    manifest = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    contributed = manifest["contributes"]["configuration"]["properties"]
    expected = _sync_settings().server_properties()
    own = ("fillin.server.", "fillin.trace.", "fillin.suggest.")
    server_keys = {k for k in contributed if not k.startswith(own)}
    assert server_keys - {"fillin.languages"} == set(expected), (
        "package.json is out of date; run .venv/bin/python editors/vscode/scripts/sync_settings.py"
    )
    for key, schema in expected.items():
        assert contributed[key] == schema, key
    assert contributed["fillin.model.maxTokens"]["type"] == "integer"
    assert "llamacpp" in contributed["fillin.model.backend"]["enum"]


def test_every_contributed_command_is_registered() -> None:
    manifest = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    contributed = {c["command"] for c in manifest["contributes"]["commands"]}
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (VSCODE / "src").glob("*.ts"))
    constants = dict(re.findall(r"export const (\w+) = '([\w.]+)';", sources))
    registered = set(re.findall(r"register\('([\w.]+)'", sources))
    registered |= {constants[name] for name in re.findall(r"register\((\w+),", sources)}
    assert contributed == registered
    bound = {k["command"] for k in manifest["contributes"]["keybindings"]}
    assert bound <= contributed
