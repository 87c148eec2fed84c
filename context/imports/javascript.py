"""JavaScript and TypeScript imports: relative paths, extensions, index files and compiled
names (`./x.js` for x.ts), and tsconfig/jsconfig `baseUrl`, `paths` and `extends`.

Configuration files are read as JSON with comments, cached by modification time.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from context.imports.query import ImportQuery, Resolution, modified_at, normalise

_JS_EXTENSIONS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
_JS_COMPILED = {".js": (".ts", ".tsx"), ".jsx": (".tsx",), ".mjs": (".mts",), ".cjs": (".cts",)}


def resolve(q: ImportQuery) -> Resolution:
    spec = q.module.strip("'\"`").split("?", 1)[0]
    if spec.startswith((".", "/")):
        base = q.importer.parent / spec if not spec.startswith("/") else PurePosixPath(spec[1:])
        found = _js_file(q, str(base))
        return Resolution(paths=(found,)) if found else Resolution()
    config = _tsconfig_for(q.root, str(q.importer.parent))
    if config is not None:
        for target in config.candidates(spec):
            found = _js_file(q, target)
            if found:
                return Resolution(paths=(found,))
    return Resolution(package=_npm_package(spec))


def _js_file(q: ImportQuery, base: str) -> str | None:
    """The file a module path names: itself, with an extension, or its directory's index."""
    candidates = [base]
    suffix = PurePosixPath(base).suffix
    # TypeScript sources import each other by their compiled names (`./x.js` for x.ts).
    candidates += [base[: -len(suffix)] + ext for ext in _JS_COMPILED.get(suffix, ())]
    candidates += [base + ext for ext in _JS_EXTENSIONS]
    candidates += [f"{base}/index{ext}" for ext in _JS_EXTENSIONS]
    return q.first(candidates)


def _npm_package(spec: str) -> str:
    parts = spec.split("/")
    if spec.startswith("@") and len(parts) > 1:
        return "/".join(parts[:2])
    return parts[0].removeprefix("node:")


@dataclass(frozen=True)
class _TsConfig:
    """The module-resolution part of a tsconfig.json, with paths relative to the root."""

    base_url: str | None
    paths: tuple[tuple[str, tuple[str, ...]], ...]

    def candidates(self, spec: str) -> list[str]:
        """The root-relative module paths that `spec` may name, most specific first."""
        found: list[str] = []
        matches: list[tuple[int, str, tuple[str, ...]]] = []
        for pattern, targets in self.paths:
            prefix, star, suffix = pattern.partition("*")
            if not star:
                if spec == pattern:
                    matches.append((len(pattern) + 1, "", targets))
            elif (
                spec.startswith(prefix)
                and spec.endswith(suffix)
                and len(spec) >= len(prefix) + len(suffix)
            ):
                matches.append((len(prefix), spec[len(prefix) : len(spec) - len(suffix)], targets))
        for _, captured, targets in sorted(matches, key=lambda m: -m[0]):
            found.extend(target.replace("*", captured) for target in targets)
        if self.base_url is not None:
            found.append(str(PurePosixPath(self.base_url) / spec))
        return found


def _tsconfig_for(root: Path, directory: str) -> _TsConfig | None:
    """The nearest tsconfig.json or jsconfig.json at or above `directory` (root-relative)."""
    current = PurePosixPath(directory)
    while True:
        for name in ("tsconfig.json", "jsconfig.json"):
            if modified_at(root / current / name) is not None:
                return _read_tsconfig(root, str(current / name))
        if str(current) in ("", "."):
            return None
        current = current.parent


def _read_tsconfig(root: Path, rel: str) -> _TsConfig | None:
    """The resolution options of one config file and those it extends, or None."""
    options = _compiler_options(root, PurePosixPath(rel), depth=0)
    base_url = options.get("baseUrl")
    base: str | None = None
    if isinstance(base_url, str):
        base = normalise(str(PurePosixPath(options["__dir__baseUrl"]) / base_url))
    paths = options.get("paths")
    pairs: list[tuple[str, tuple[str, ...]]] = []
    if isinstance(paths, dict):
        # `paths` targets are relative to baseUrl when it is set, else to their config file.
        anchor = PurePosixPath(base if base is not None else options["__dir__paths"])
        for pattern, targets in paths.items():
            if isinstance(pattern, str) and isinstance(targets, list):
                resolved = (str(anchor / t) for t in targets if isinstance(t, str))
                pairs.append((pattern, tuple(resolved)))
    if base is None and not pairs:
        return None
    return _TsConfig(base_url=base, paths=tuple(pairs))


def _compiler_options(root: Path, rel: PurePosixPath, depth: int) -> dict[str, Any]:
    """compilerOptions of a tsconfig, merged over those it `extends` (relative ones only).

    Each option's directory is kept under `__dir__<name>`, since relative options are
    relative to the file that sets them.
    """
    data = _read_jsonc(root / rel)
    options: dict[str, Any] = {}
    extends = data.get("extends")
    if isinstance(extends, str) and extends.startswith(".") and depth < 8:
        parent = normalise(str(rel.parent / extends))
        if parent is not None:
            if not parent.endswith(".json"):
                parent += ".json"
            options.update(_compiler_options(root, PurePosixPath(parent), depth + 1))
    own = data.get("compilerOptions")
    if isinstance(own, dict):
        for key, value in own.items():
            options[key] = value
            options[f"__dir__{key}"] = str(rel.parent)
    return options


_JSONC_TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/', re.DOTALL)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def _read_jsonc(path: Path) -> dict[str, Any]:
    """A JSON-with-comments file (as tsconfig.json is), or {} when it cannot be read."""
    mtime = modified_at(path)
    return _parse_jsonc(path, mtime) if mtime is not None else {}


@lru_cache(maxsize=256)
def _parse_jsonc(path: Path, mtime: float) -> dict[str, Any]:
    """`_read_jsonc` for one modification time of the file (the cache key)."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    text = _JSONC_TOKEN.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "", raw)
    text = _TRAILING_COMMA.sub(r"\1", text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}
