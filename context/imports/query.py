"""What every import resolver shares: the query, the answer, and root-relative paths.

`ImportQuery` is one import to resolve and where (`context.imports.resolve` builds it);
`Resolution` is where it leads. Paths are POSIX paths relative to the root; `normalise`
never lets one climb above it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

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


@dataclass(frozen=True)
class ImportQuery:
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
            rel = normalise(str(candidate))
            if rel and self.exists(rel):
                return rel
        return None


def disk_exists(root: Path) -> Exists:
    def exists(rel: str) -> bool:
        return (root / rel).is_file()

    return exists


def normalise(rel: str) -> str | None:
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


def modified_at(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def package_files(
    q: ImportQuery, directory: str, suffix: str, *, exclude: str | None = None
) -> tuple[str, ...]:
    """The workspace files of a package directory (Go, Java) ending in `suffix`, in name
    order; names ending in `exclude` (Go's `_test.go`) are left out."""
    try:
        names = sorted(os.listdir(q.root / directory))
    except OSError:
        return ()
    return tuple(
        rel
        for name in names
        if name.endswith(suffix)
        and not (exclude and name.endswith(exclude))
        and q.exists(rel := f"{directory}/{name}" if directory else name)
    )
