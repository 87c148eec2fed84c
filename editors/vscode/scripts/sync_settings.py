"""Keep the VS Code extension's contributed settings in step with the server's settings model.

package.json contributes one `fillin.<key>` property per leaf of `context.settings.Settings`
(same dotted camelCase key, JSON type, enum, default and description), followed by the
extension's own properties (`fillin.server.*`, `fillin.suggest.*`, `fillin.languages`,
`fillin.trace.server`), which this script leaves as they are. Run it from the repository
root after changing the settings model:

    .venv/bin/python editors/vscode/scripts/sync_settings.py          # rewrite package.json
    .venv/bin/python editors/vscode/scripts/sync_settings.py --check  # exit 1 when out of date

tests/editors/test_vscode_manifest.py runs the check, so the two never drift apart.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

PACKAGE_JSON = Path(__file__).resolve().parents[1] / "package.json"
EXTENSION_ONLY_PREFIXES = (
    "fillin.server.",
    "fillin.trace.",
    "fillin.suggest.",
    "fillin.languages",
)


def server_properties() -> dict[str, dict[str, Any]]:
    """The JSON-schema properties of every server setting, keyed `fillin.<dotted key>`."""
    from context.settings import Settings, to_camel

    properties: dict[str, dict[str, Any]] = {}

    def walk(cls: type[Any], prefix: str) -> None:
        hints = get_type_hints(cls)
        for f in dataclasses.fields(cls):
            key = f"{prefix}{to_camel(f.name)}"
            tp = hints[f.name]
            if dataclasses.is_dataclass(tp):
                walk(tp, key + ".")  # type: ignore[arg-type]
                continue
            schema = _json_schema(tp)
            default = f.default if f.default is not dataclasses.MISSING else None
            schema["default"] = list(default) if isinstance(default, tuple) else default
            doc = f.metadata.get("doc", "")
            if doc:
                schema["markdownDescription"] = doc if doc.endswith(".") else doc + "."
            properties[f"fillin.{key}"] = schema

    walk(Settings, "")
    return properties


def synced_manifest(manifest: dict[str, Any]) -> dict[str, Any]:
    """`manifest` with its server settings regenerated and its own settings kept after them."""
    configuration = manifest["contributes"]["configuration"]
    own = {
        key: value
        for key, value in configuration["properties"].items()
        if key.startswith(EXTENSION_ONLY_PREFIXES)
    }
    configuration["properties"] = {**server_properties(), **own}
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Rewrite package.json, or with `--check` report whether it is up to date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when stale")
    args = parser.parse_args(argv)
    current = PACKAGE_JSON.read_text(encoding="utf-8")
    synced = json.dumps(synced_manifest(json.loads(current)), indent=2, ensure_ascii=False) + "\n"
    if args.check:
        if synced != current:
            print(f"{PACKAGE_JSON}: settings are out of date; run {sys.argv[0]}", file=sys.stderr)
            return 1
        return 0
    PACKAGE_JSON.write_text(synced, encoding="utf-8")
    return 0


def _json_schema(tp: Any) -> dict[str, Any]:
    if get_origin(tp) is Literal:
        return {"type": "string", "enum": list(get_args(tp))}
    if get_origin(tp) is tuple:
        return {"type": "array", "items": _json_schema(get_args(tp)[0])}
    names = {bool: "boolean", int: "integer", float: "number", str: "string"}
    if tp not in names:
        raise TypeError(f"{tp!r}: no JSON type for this setting; extend _json_schema")
    return {"type": names[tp]}


if __name__ == "__main__":
    sys.path.insert(0, str(PACKAGE_JSON.parents[2]))
    sys.exit(main())
