"""Import resolution: which workspace files an import statement leads to, with no editor help.

`resolve_import(root, importer, module, language, names=..., kind=...)` maps one import, as
`context.import_statements` decodes it (the module exactly as written, the names taken from
it, the kind of statement), to the workspace files that define it, or, when nothing in the
workspace matches, to the external package it belongs to:

==========  ===================================================================================
python      `pkg.mod`, `..util`, `.`; names may be submodules (`from . import sub`); package
            roots are the importer's top package's parent, the root, `src/`, `lib/`
javascript  `./util`, `../lib/index.js`, `@/components/x`, `lodash/fp`: extensions, index
typescript  files and compiled names (`./x.js` for x.ts); tsconfig/jsconfig `baseUrl`, `paths`
go          `example.com/proj/internal/store`: the nearest go.mod maps it to a package directory
rust        a `use` path (`crate::a`, `super::x`, `self::y`, `serde`) with its names; kind
            `mod` for a `mod foo;` declaration (module `foo`), `extern_crate` for a crate
java        the package (`com.acme.util`) with the class name (`Strings`) or `*`; kind `static`
            for `com.acme.util.Strings` with a member name
c, cpp      the `#include` target (`util/str.h`), kind `include` for quotes and `system` for
            angle brackets; the importer's directory, then `IndexSettings.include_dirs`
==========  ===================================================================================

Guarantees:

- Pure functions of the file tree: nothing is written, nothing is parsed but small
  configuration files (tsconfig.json, go.mod, Cargo.toml), whose reads are cached by
  modification time.
- Paths in and out are POSIX paths relative to `root`; a result never lies outside it.
- Never raises for odd input: an import that leads nowhere in the workspace is an external
  `Resolution` naming its package (`requests`, `@scope/pkg`, `github.com/x/y`, `serde`).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

Exists = Callable[[str], bool]
"""Whether a root-relative POSIX path names a file of the workspace."""


@dataclass(frozen=True)
class Resolution:
    """Where one import leads: workspace files (best first), or an external package.

    Exactly one of `paths` and `package` is non-empty, except for an import that names
    nothing at all (an empty module), which has neither.
    """

    paths: tuple[str, ...] = ()
    package: str = ""

    @property
    def path(self) -> str | None:
        """The main file the import leads to, or None for an external package."""
        return self.paths[0] if self.paths else None

    @property
    def is_external(self) -> bool:
        """Whether the import leads outside the workspace."""
        return not self.paths and bool(self.package)


def resolve_import(
    root: Path,
    importer: str,
    module: str,
    language: str,
    *,
    names: Sequence[str] = (),
    kind: str = "import",
    include_dirs: Sequence[str] = (),
    exists: Exists | None = None,
) -> Resolution:
    """Resolve `module`, imported by the file `importer` (relative to `root`), in `language`.

    `include_dirs` are the configured C/C++ include directories (`IndexSettings.include_dirs`,
    relative to `root` or absolute inside it). `exists` tells which paths are workspace
    files; by default the disk is asked. Passing the index's own view keeps ignored files
    out and lets files that exist only in the editor count.
    """
    module = module.strip()
    if not module and not names:
        return Resolution()
    is_file = exists or _disk_exists(root)
    resolver = _RESOLVERS.get(_LANGUAGE_ALIASES.get(language, language))
    if resolver is None:
        return Resolution()
    return resolver(
        _Query(
            root,
            PurePosixPath(importer),
            module,
            tuple(n for n in names if n and n != "*"),
            kind,
            is_file,
            tuple(include_dirs),
            is_wildcard="*" in names,
        )
    )


@dataclass(frozen=True)
class _Query:
    """One import to resolve and the context it is resolved in."""

    root: Path
    importer: PurePosixPath
    module: str
    names: tuple[str, ...]
    kind: str
    exists: Exists
    include_dirs: tuple[str, ...]
    is_wildcard: bool = False

    def first(self, candidates: Iterable[PurePosixPath | str]) -> str | None:
        """The first candidate that is a workspace file, normalised, or None."""
        for candidate in candidates:
            rel = _normalise(str(candidate))
            if rel and self.exists(rel):
                return rel
        return None


def _disk_exists(root: Path) -> Exists:
    def exists(rel: str) -> bool:
        return (root / rel).is_file()

    return exists


def _normalise(rel: str) -> str | None:
    """`a/./b/../c` -> `a/c`, `.` -> ``; None when the path climbs above the root."""
    parts: list[str] = []
    for part in rel.replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


# Python ------------------------------------------------------------------------------------

_PY_SOURCE_DIRS = ("", "src", "lib", "python")


def _resolve_python(q: _Query) -> Resolution:
    # Paths here are plain strings ("" is the root): this runs for every import of every
    # file while indexing, where building `PurePosixPath`s cost more than the lookups.
    dots = len(q.module) - len(q.module.lstrip("."))
    dotted = q.module[dots:]
    parts = [p for p in dotted.split(".") if p]
    if dots:
        package = _parent_dir(str(q.importer))
        depth = len(package.split("/")) if package else 0
        if dots - 1 > depth - (not package):
            # `from ... import x` climbing above the root leads nowhere.
            return Resolution()
        for _ in range(dots - 1):
            package = _parent_dir(package)
        bases = [package]
    else:
        bases = _python_roots(q)
    for base in bases:
        found = _python_module(q, base, parts)
        if found is None:
            continue
        extra = [
            sub
            for name in q.names
            if (sub := _python_module(q, base, [*parts, name])) is not None and sub != found
        ]
        return Resolution(paths=(found, *extra))
    if dots:
        return Resolution()
    return Resolution(package=parts[0] if parts else "")


def _parent_dir(rel: str) -> str:
    """The folder holding `rel` ("" for the root, which is its own parent)."""
    return rel.rpartition("/")[0]


def _python_module(q: _Query, base: str, parts: Sequence[str]) -> str | None:
    """The file of module `parts` under `base`: a module file or a package's __init__."""
    stem = "/".join([base, *parts]) if base else "/".join(parts)
    package = f"{stem}/" if stem else ""
    candidates = [f"{package}__init__.py", f"{package}__init__.pyi"]
    if parts:
        candidates = [f"{stem}.py", f"{stem}.pyi", *candidates]
    return q.first(candidates)


def _python_roots(q: _Query) -> list[str]:
    """Where absolute imports start: the importer's package root, then the usual layouts."""
    directory = _parent_dir(str(q.importer))
    while directory and (
        q.exists(f"{directory}/__init__.py") or q.exists(f"{directory}/__init__.pyi")
    ):
        directory = _parent_dir(directory)
    return list(dict.fromkeys([directory, *_PY_SOURCE_DIRS]))


# JavaScript and TypeScript -----------------------------------------------------------------

_JS_EXTENSIONS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
_JS_COMPILED = {".js": (".ts", ".tsx"), ".jsx": (".tsx",), ".mjs": (".mts",), ".cjs": (".cts",)}


def _resolve_js(q: _Query) -> Resolution:
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


def _js_file(q: _Query, base: str) -> str | None:
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
            if _mtime(root / current / name) is not None:
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
        base = _normalise(str(PurePosixPath(options["__dir__baseUrl"]) / base_url))
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
        parent = _normalise(str(rel.parent / extends))
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
    mtime = _mtime(path)
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


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


# Go ----------------------------------------------------------------------------------------


def _resolve_go(q: _Query) -> Resolution:
    spec = q.module.strip('"`')
    found = _go_module_for(q.root, str(q.importer.parent))
    if found is not None:
        module_dir, module_path = found
        if spec == module_path or spec.startswith(module_path + "/"):
            sub = spec[len(module_path) :].lstrip("/")
            directory = _normalise(str(PurePosixPath(module_dir) / sub))
            files = _go_files(q, directory) if directory is not None else ()
            if files:
                return Resolution(paths=files)
    return Resolution(package=spec)


def _go_files(q: _Query, directory: str) -> tuple[str, ...]:
    """The non-test .go files of a package directory, in name order."""
    try:
        names = sorted(os.listdir(q.root / directory))
    except OSError:
        return ()
    return tuple(
        rel
        for name in names
        if name.endswith(".go")
        and not name.endswith("_test.go")
        and q.exists(rel := f"{directory}/{name}" if directory else name)
    )


def _go_module_for(root: Path, directory: str) -> tuple[str, str] | None:
    """(directory of the nearest go.mod at or above `directory`, its module path)."""
    current = PurePosixPath(directory)
    while True:
        rel = "" if str(current) == "." else str(current)
        mtime = _mtime(root / rel / "go.mod")
        if mtime is not None:
            module_path = _read_go_module(root / rel / "go.mod", mtime)
            return (rel, module_path) if module_path else None
        if rel == "":
            return None
        current = current.parent


_GO_MODULE = re.compile(r"^[ \t]*module\s+\"?([^\s\"]+)\"?", re.MULTILINE)


@lru_cache(maxsize=64)
def _read_go_module(path: Path, mtime: float) -> str:
    try:
        match = _GO_MODULE.search(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return ""
    return match.group(1) if match else ""


# Rust --------------------------------------------------------------------------------------


def _resolve_rust(q: _Query) -> Resolution:
    if q.kind == "extern_crate":
        return Resolution(package=q.module)
    spec = q.module.removeprefix("::")
    if q.kind == "mod":
        spec = "self::" + spec
    segments = [s for s in spec.split("::") if s]
    crate = _rust_crate_for(q.root, str(q.importer.parent))
    if crate is None:
        return Resolution(package=(segments or [*q.names, ""])[0])
    paths: list[str] = []
    package = ""
    if segments:
        found = _rust_path(q, crate, segments, exact=q.kind == "mod")
        if isinstance(found, str):
            package = found
        elif found is not None:
            paths.append(found[0])
    # A name may itself be a module: `use crate::{models}`, `use self::store::{self, db}`.
    for name in q.names:
        if name == "self":
            continue
        found = _rust_path(q, crate, [*segments, name], exact=True)
        if isinstance(found, tuple) and found[0] not in paths:
            paths.append(found[0])
    if paths:
        return Resolution(paths=tuple(paths))
    return Resolution(package=package)


def _rust_path(
    q: _Query, crate: tuple[str, str], segments: Sequence[str], *, exact: bool
) -> tuple[str, int] | str | None:
    """The file of the module that a path names (or of its longest existing module prefix,
    unless `exact`), with that module's depth; the crate name for an external path."""
    src_dir, crate_name = crate
    head = segments[0]
    if head in ("crate", crate_name):
        start: list[str] = []
        rest = list(segments[1:])
    elif head in ("self", "super"):
        start = list(_rust_module_path(src_dir, q.importer))
        rest = list(segments)
        while rest and rest[0] in ("self", "super"):
            if rest[0] == "super" and start:
                start.pop()
            rest = rest[1:]
    else:
        # Since the 2018 edition a path may start with a child module of the current one.
        start = list(_rust_module_path(src_dir, q.importer))
        found = _rust_longest(q, src_dir, start, segments, len(segments) if exact else 1)
        return found if found is not None else head
    return _rust_longest(q, src_dir, start, rest, len(rest) if exact else 0)


def _rust_longest(
    q: _Query, src_dir: str, start: list[str], rest: Sequence[str], min_k: int
) -> tuple[str, int] | None:
    """The file of the longest existing module path `start + rest[:k]` with k >= `min_k`,
    and its depth; the segments after it are items defined in that module."""
    for k in range(len(rest), min_k - 1, -1):
        found = _rust_module_file(q, src_dir, [*start, *rest[:k]])
        if found is not None:
            return found, len(start) + k
    return None


def _rust_module_file(q: _Query, src_dir: str, module: Sequence[str]) -> str | None:
    base = PurePosixPath(src_dir)
    if not module:
        return q.first([base / "lib.rs", base / "main.rs"])
    stem = base.joinpath(*module)
    return q.first([f"{stem}.rs", stem / "mod.rs"])


def _rust_module_path(src_dir: str, importer: PurePosixPath) -> tuple[str, ...]:
    """The module path of a source file: src/a/b.rs and src/a/b/mod.rs are both `a::b`."""
    try:
        rel = importer.relative_to(src_dir) if src_dir else importer
    except ValueError:
        return ()
    parts = list(rel.with_suffix("").parts)
    if parts and parts[-1] == "mod":
        parts.pop()
    if len(parts) == 1 and parts[0] in ("lib", "main"):
        return ()
    if parts and parts[0] == "bin":
        return ()
    return tuple(parts)


def _rust_crate_for(root: Path, directory: str) -> tuple[str, str] | None:
    """(the src directory of the nearest crate at or above `directory`, its crate name)."""
    current = PurePosixPath(directory)
    while True:
        rel = "" if str(current) == "." else str(current)
        mtime = _mtime(root / rel / "Cargo.toml")
        if mtime is not None:
            name = _read_crate_name(root / rel / "Cargo.toml", mtime)
            return (f"{rel}/src" if rel else "src", name)
        if rel == "":
            return None
        current = current.parent


_CARGO_NAME = re.compile(
    r"^\[package\][^\[]*?^\s*name\s*=\s*\"([^\"]+)\"", re.MULTILINE | re.DOTALL
)


@lru_cache(maxsize=64)
def _read_crate_name(path: Path, mtime: float) -> str:
    try:
        match = _CARGO_NAME.search(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return ""
    return match.group(1).replace("-", "_") if match else ""


# Java --------------------------------------------------------------------------------------

_JAVA_SOURCE_DIRS = ("src/main/java", "src/test/java", "src", "")


def _resolve_java(q: _Query) -> Resolution:
    parts = [p for p in q.module.split(".") if p]
    if q.is_wildcard:
        for source_root in _java_roots(q):
            files = _java_package_files(q, str(PurePosixPath(source_root).joinpath(*parts)))
            if files:
                return Resolution(paths=files)
    paths: list[str] = []
    for name in q.names or ("",):
        full = [*parts, name] if name else parts
        for source_root in _java_roots(q):
            base = PurePosixPath(source_root)
            # The longest prefix that is a file: `a.b.C.member` is the class C of package a.b.
            found = q.first(f"{base.joinpath(*full[:k])}.java" for k in range(len(full), 0, -1))
            if found:
                if found not in paths:
                    paths.append(found)
                break
    if paths:
        return Resolution(paths=tuple(paths))
    package_parts = [p for p in parts if p[:1].islower()]
    return Resolution(package=".".join(package_parts or parts[:1]))


def _java_roots(q: _Query) -> list[str]:
    """Source roots: every ancestor of the importer, then the usual Maven/Gradle layouts."""
    roots = [str(parent) for parent in q.importer.parents]
    roots = ["" if r == "." else r for r in roots]
    roots.extend(_JAVA_SOURCE_DIRS)
    return list(dict.fromkeys(roots))


def _java_package_files(q: _Query, directory: str) -> tuple[str, ...]:
    try:
        names = sorted(os.listdir(q.root / directory))
    except OSError:
        return ()
    return tuple(
        rel
        for name in names
        if name.endswith(".java") and q.exists(rel := f"{directory}/{name}" if directory else name)
    )


# C and C++ ---------------------------------------------------------------------------------

_C_INCLUDE_DIRS = ("include", "src", "")


def _resolve_c(q: _Query) -> Resolution:
    spec = q.module.removeprefix("#include").strip()
    is_system = spec.startswith("<") or q.kind == "system"
    header = spec.strip('<>"')
    if not header:
        return Resolution()
    bases: list[str] = [] if is_system else [str(q.importer.parent)]
    for directory in q.include_dirs:
        rel = _inside_root(q.root, directory)
        if rel is not None:
            bases.append(rel)
    if not is_system:
        bases.extend(_C_INCLUDE_DIRS)
    found = q.first(PurePosixPath(base) / header for base in bases)
    if found:
        return Resolution(paths=(found,))
    return Resolution(package=header)


def _inside_root(root: Path, directory: str) -> str | None:
    """A configured directory as a root-relative path, or None when it lies outside."""
    path = Path(directory)
    if not path.is_absolute():
        return _normalise(directory)
    try:
        return _normalise(path.resolve().relative_to(root.resolve()).as_posix())
    except ValueError:
        return None


_RESOLVERS: dict[str, Callable[[_Query], Resolution]] = {
    "python": _resolve_python,
    "javascript": _resolve_js,
    "typescript": _resolve_js,
    "go": _resolve_go,
    "rust": _resolve_rust,
    "java": _resolve_java,
    "c": _resolve_c,
    "cpp": _resolve_c,
}

_LANGUAGE_ALIASES = {
    "tsx": "typescript",
    "typescriptreact": "typescript",
    "javascriptreact": "javascript",
    "jsx": "javascript",
    "c++": "cpp",
}
