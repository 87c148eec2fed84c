"""C and C++ `#include`s: the importer's directory for quoted names, then the configured
include directories and the usual `include/` and `src/`.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from context.imports.query import ImportQuery, Resolution, normalise

_C_INCLUDE_DIRS = ("include", "src", "")


def resolve(q: ImportQuery) -> Resolution:
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
        return normalise(directory)
    try:
        return normalise(path.resolve().relative_to(root.resolve()).as_posix())
    except ValueError:
        return None
