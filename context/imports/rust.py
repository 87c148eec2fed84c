"""Rust `use` paths (`crate::a`, `super::x`, `self::y`, a crate), `mod foo;` declarations and
`extern crate`, resolved through the crate's Cargo.toml and module files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path, PurePosixPath

from context.imports.query import ImportQuery, Resolution, disk_exists, modified_at


def resolve(q: ImportQuery) -> Resolution:
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
    q: ImportQuery, crate: tuple[str, str], segments: Sequence[str], *, exact: bool
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
    q: ImportQuery, src_dir: str, start: list[str], rest: Sequence[str], min_k: int
) -> tuple[str, int] | None:
    """The file of the longest existing module path `start + rest[:k]` with k >= `min_k`,
    and its depth; the segments after it are items defined in that module."""
    for k in range(len(rest), min_k - 1, -1):
        found = _rust_module_file(q, src_dir, [*start, *rest[:k]])
        if found is not None:
            return found, len(start) + k
    return None


def _rust_module_file(q: ImportQuery, src_dir: str, module: Sequence[str]) -> str | None:
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
        mtime = modified_at(root / rel / "Cargo.toml")
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


def module_prefix(root: Path, importer: str, segments: Sequence[str]) -> tuple[str, int] | None:
    """The file of the longest prefix of a `crate::`/`self::`/`super::` path (or one headed
    by the crate's own name, as its benches and examples write `itertools::multizip`) that
    is a module, and how many of `segments` that prefix takes; None when not even the head
    is one.

    `crate::ser::Error::KeyNotString` is the module `crate::ser` (2 segments) and then items
    of it: the path's later segments name a type and its variant, not files.
    """
    crate = _rust_crate_for(root, str(PurePosixPath(importer).parent))
    if crate is None or not segments or segments[0] not in ("crate", "self", "super", crate[1]):
        return None
    query = ImportQuery(root, PurePosixPath(importer), "", (), "use", disk_exists(root), ())
    for n_segments in range(len(segments), 0, -1):
        found = _rust_path(query, crate, segments[:n_segments], exact=True)
        if isinstance(found, tuple):
            return found[0], n_segments
    return None
