"""Go imports: the nearest go.mod maps an import path to a package directory, whose
non-test files are the answer.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path, PurePosixPath

from context.imports.query import ImportQuery, Resolution, modified_at, normalise, package_files


def resolve(q: ImportQuery) -> Resolution:
    spec = q.module.strip('"`')
    found = _go_module_for(q.root, str(q.importer.parent))
    if found is not None:
        module_dir, module_path = found
        if spec == module_path or spec.startswith(module_path + "/"):
            sub = spec[len(module_path) :].lstrip("/")
            directory = normalise(str(PurePosixPath(module_dir) / sub))
            files = (
                package_files(q, directory, ".go", exclude="_test.go")
                if directory is not None
                else ()
            )
            if files:
                return Resolution(paths=files)
    return Resolution(package=spec)


def _go_module_for(root: Path, directory: str) -> tuple[str, str] | None:
    """(directory of the nearest go.mod at or above `directory`, its module path)."""
    current = PurePosixPath(directory)
    while True:
        rel = "" if str(current) == "." else str(current)
        mtime = modified_at(root / rel / "go.mod")
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
