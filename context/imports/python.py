"""Python imports: `pkg.mod`, `..util`, `.`, and names that may be submodules.

Package roots are the importer's top package's parent, the root, `src/`, `lib/` and `python/`;
when the opened folder is itself a package (`rich/` with its `__init__.py`), an absolute
import naming that package (`rich.console`) starts at the root.
"""

from __future__ import annotations

from collections.abc import Sequence

from context.imports.query import ImportQuery, Resolution

_PY_SOURCE_DIRS = ("", "src", "lib", "python")


def resolve(q: ImportQuery) -> Resolution:
    # Paths here are plain strings ("" is the root): this runs for every import of every
    # file while indexing, where building `PurePosixPath`s cost more than the lookups.
    dots = len(q.module) - len(q.module.lstrip("."))
    dotted = q.module[dots:]
    parts = [p for p in dotted.split(".") if p]
    if dots:
        package = _parent_dir(str(q.importer))
        depth = len(package.split("/")) if package else 0
        if dots - 1 > depth:
            # `from ... import x` climbing above the root leads nowhere. A file at the root
            # may import `.x`: the opened folder is then the package itself (`src/requests`).
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
    if len(parts) > 1 and _is_root_package(q, parts[0]):
        # The opened folder is the package itself (`rich/`, holding `__init__.py`): its own
        # absolute imports (`from rich.console import Console`) start at the root.
        found = _python_module(q, "", parts[1:])
        if found is not None:
            return Resolution(paths=(found,))
    return Resolution(package=parts[0] if parts else "")


def _is_root_package(q: ImportQuery, name: str) -> bool:
    """Whether the workspace root is the package `name`: a folder of that name holding
    `__init__.py`."""
    return q.root.name == name and (q.exists("__init__.py") or q.exists("__init__.pyi"))


def _parent_dir(rel: str) -> str:
    """The folder holding `rel` ("" for the root, which is its own parent)."""
    return rel.rpartition("/")[0]


def _python_module(q: ImportQuery, base: str, parts: Sequence[str]) -> str | None:
    """The file of module `parts` under `base`: a module file or a package's __init__."""
    stem = "/".join([base, *parts]) if base else "/".join(parts)
    package = f"{stem}/" if stem else ""
    candidates = [f"{package}__init__.py", f"{package}__init__.pyi"]
    if parts:
        candidates = [f"{stem}.py", f"{stem}.pyi", *candidates]
    return q.first(candidates)


def _python_roots(q: ImportQuery) -> list[str]:
    """Where absolute imports start: the importer's package root, then the usual layouts."""
    directory = _parent_dir(str(q.importer))
    while directory and (
        q.exists(f"{directory}/__init__.py") or q.exists(f"{directory}/__init__.pyi")
    ):
        directory = _parent_dir(directory)
    return list(dict.fromkeys([directory, *_PY_SOURCE_DIRS]))
