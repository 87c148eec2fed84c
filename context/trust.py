"""Workspace trust: which folders may choose, through their own files, where code goes.

A repository's `fillin.toml` or `[tool.fillin]` comes with the repository, so it is the
repository author's word, not the user's. Settings marked `restricted` in `context.settings`
(the model server, its API key variable, a model file, the index directory) are taken from
those files only when the user trusts the folder, as VS Code's Workspace Trust and Neovim's
`:trust` do; every other key is taken as before.

The trust store is a JSON list of real paths in the user's config directory (never in a
repository), written owner-only (0600 in a 0700 directory). Trusting a folder trusts the
folders inside it. A store that cannot be read trusts nothing.

Guarantees: `workspace_layer` never returns a restricted key from an untrusted folder, and
names every key it left out, so the user can be told once.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs

from context.settings import SettingsProblem, read_workspace_settings, restricted_keys

TRUST_FILE = "trusted-folders.json"


def trust_store_path() -> Path:
    """Where the list of trusted folders lives (the user's config directory)."""
    return Path(platformdirs.user_config_dir("fillin", appauthor=False)) / TRUST_FILE


def trusted_folders(store: Path | None = None) -> list[Path]:
    """The folders the user trusts, as stored (real paths); empty when none or unreadable."""
    path = store or trust_store_path()
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return []
    if not isinstance(data, list):
        return []
    return [Path(item) for item in data if isinstance(item, str) and os.path.isabs(item)]


def is_trusted(folder: Path, store: Path | None = None) -> bool:
    """Whether `folder` (by its real path) is a trusted folder or lies inside one."""
    real = Path(os.path.realpath(folder))
    return any(real.is_relative_to(trusted) for trusted in trusted_folders(store))


def trust(folder: Path, store: Path | None = None) -> Path:
    """Add `folder`'s real path to the trust store; returns that path."""
    real = Path(os.path.realpath(folder))
    folders = [f for f in trusted_folders(store) if f != real]
    _write(store or trust_store_path(), [*folders, real])
    return real


def revoke(folder: Path, store: Path | None = None) -> bool:
    """Remove `folder`'s real path from the trust store; whether it was there."""
    real = Path(os.path.realpath(folder))
    folders = trusted_folders(store)
    if real not in folders:
        return False
    _write(store or trust_store_path(), [f for f in folders if f != real])
    return True


def workspace_layer(
    root: Path, *, trusted: bool | None = None
) -> tuple[dict[str, Any], list[SettingsProblem]]:
    """The root's settings files as a layer, without restricted keys unless it is trusted.

    `trusted` is the editor's word (True or False); None asks the trust store. The problems
    include one naming what was left out and how to trust the folder.
    """
    layer, problems = read_workspace_settings(root)
    if trusted is None:
        trusted = is_trusted(root)
    if trusted:
        return layer, problems
    kept, dropped = strip_restricted(layer)
    if dropped:
        problems.append(untrusted_problem(root, dropped))
    return kept, problems


def strip_restricted(layer: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A copy of a camelCase layer without restricted keys, and the dotted keys removed."""
    restricted = restricted_keys()
    dropped: list[str] = []

    def strip(mapping: Mapping[str, Any], prefix: str) -> dict[str, Any]:
        kept: dict[str, Any] = {}
        for key, value in mapping.items():
            dotted = f"{prefix}{key}"
            if dotted in restricted:
                dropped.append(dotted)
            elif isinstance(value, Mapping):
                kept[key] = strip(value, dotted + ".")
            else:
                kept[key] = value
        return kept

    if set(layer) == {"fillin"} and isinstance(layer["fillin"], Mapping):
        return {"fillin": strip(layer["fillin"], "")}, dropped
    return strip(layer, ""), dropped


def untrusted_problem(root: Path, dropped: list[str]) -> SettingsProblem:
    """The one message that says what an untrusted folder's files did not set."""
    keys = ", ".join(sorted(dropped))
    return SettingsProblem(
        str(root),
        f"this folder is not trusted, so its settings files may not set {keys}; they are "
        f"ignored (trust the folder in your editor, or run `fillin trust {root}`)",
    )


def _write(path: Path, folders: list[Path]) -> None:
    """Replace the store atomically, owner-only."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(path.parent, 0o700)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".trust-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump([str(f) for f in folders], handle, indent=1)
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
