"""Go imports: the nearest go.mod maps an import path to a package directory, whose
non-test files are the answer; `package_name` is the name such an import binds.

Guarantees: `package_name` reads at most `PACKAGE_CLAUSE_BYTES` of one file, kept while its
mtime holds, and never raises (an unreadable file falls back on the path's convention).
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


PACKAGE_CLAUSE_BYTES = 16384
"""A package clause comes after the file's opening comments (a licence, build tags)."""
_PACKAGE_CLAUSE = re.compile(rb"^package[ \t]+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)
_MAJOR_VERSION = re.compile(r"v[0-9]+")
_NOT_IDENTIFIER = re.compile(r"[^A-Za-z0-9_]")


def package_name(root: Path, import_path: str, paths: tuple[str, ...]) -> str:
    """The name an unaliased import of `import_path` binds: the package clause of the first
    of its workspace files `paths` (`github.com/labstack/echo/v4` declares `package echo`),
    else what `goimports` assumes from the path: the last element, the one before a major
    version (`/v4`), without a `go-` prefix, up to its first non-identifier character
    (`gopkg.in/yaml.v3` binds `yaml`)."""
    for rel_path in paths[:1]:
        mtime = modified_at(root / rel_path)
        if mtime is not None:
            declared = _declared_package(root / rel_path, mtime)
            if declared:
                return declared
    elements = [e for e in import_path.strip("/").split("/") if e]
    if not elements:
        return ""
    base = elements[-1]
    if _MAJOR_VERSION.fullmatch(base) and len(elements) > 1:
        base = elements[-2]
    base = base.removeprefix("go-")
    return _NOT_IDENTIFIER.split(base, 1)[0]


@lru_cache(maxsize=1024)
def _declared_package(path: Path, mtime: float) -> str:
    try:
        with path.open("rb") as handle:
            head = handle.read(PACKAGE_CLAUSE_BYTES)
    except OSError:
        return ""
    match = _PACKAGE_CLAUSE.search(head)
    return match.group(1).decode("ascii") if match else ""


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
