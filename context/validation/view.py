"""The read-only view of a repository that validation needs, with or without the index.

`SymbolView` is a small protocol: definitions by name (with their signatures), the member
names of a container, whether a path is a workspace file, and the manifests that apply to
a directory. `IndexView` answers from the SQLite symbol index (`context.index.store`);
`EmptyView` answers "nothing known" for a file outside any workspace, so every check still
runs on what the file itself and the language provide.

Guarantees: views never raise for unknown names or paths; `IndexView` caches its answers
for its own lifetime, so make one per request (or per index generation), not per process.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from context.validation.manifests import Manifests, read_manifests

if TYPE_CHECKING:
    from context.index.store import IndexStore


@dataclass(frozen=True)
class Symbol:
    """One definition that a view knows of."""

    name: str
    kind: str
    container: str | None
    signature: str
    rel_path: str
    language: str


class SymbolView(Protocol):
    """What validation may ask about the repository around a document."""

    @property
    def root(self) -> Path | None:
        """The workspace root, or None outside any workspace."""
        ...

    def definitions(self, name: str) -> Sequence[Symbol]:
        """Every definition named `name`, in any file of the workspace."""
        ...

    def members(self, container: str) -> frozenset[str]:
        """The names defined inside a class, struct, trait or namespace called `container`."""
        ...

    def is_workspace_file(self, rel_path: str) -> bool:
        """Whether `rel_path` (POSIX, relative to `root`) is a file of the workspace."""
        ...

    def manifests(self, directory: Path | None) -> Manifests:
        """The dependencies declared by the manifests from `directory` up to the root."""
        ...


class EmptyView:
    """A view with no repository: only the document's own directory's manifests count."""

    root: Path | None = None

    def definitions(self, name: str) -> Sequence[Symbol]:
        """No definitions are known."""
        return ()

    def members(self, container: str) -> frozenset[str]:
        """No members are known."""
        return frozenset()

    def is_workspace_file(self, rel_path: str) -> bool:
        """No file is in a workspace."""
        return False

    def manifests(self, directory: Path | None) -> Manifests:
        """The manifests in `directory` itself, if any."""
        return read_manifests([directory]) if directory is not None else Manifests()


class IndexView:
    """A view answered by a workspace's symbol index."""

    def __init__(self, store: IndexStore) -> None:
        self.store = store
        self._definitions: dict[str, tuple[Symbol, ...]] = {}
        self._members: dict[str, frozenset[str]] = {}
        self._files: dict[str, bool] = {}

    @property
    def root(self) -> Path | None:
        """The indexed root."""
        return self.store.root

    def definitions(self, name: str) -> Sequence[Symbol]:
        """Every indexed definition named `name`."""
        found = self._definitions.get(name)
        if found is None:
            found = self._definitions[name] = tuple(
                Symbol(row.name, row.kind, row.container, row.signature, row.rel_path, row.language)
                for row in self.store.definitions(name, limit=50)
            )
        return found

    def members(self, container: str) -> frozenset[str]:
        """The names indexed with `container` as their container."""
        found = self._members.get(container)
        if found is None:
            rows = self.store.members(container, limit=1000)
            found = self._members[container] = frozenset(row.name for row in rows)
        return found

    def is_workspace_file(self, rel_path: str) -> bool:
        """Whether the index holds `rel_path`."""
        found = self._files.get(rel_path)
        if found is None:
            found = self._files[rel_path] = self.store.file(rel_path) is not None
        return found

    def manifests(self, directory: Path | None) -> Manifests:
        """The manifests from `directory` up to the root (the root's alone without one)."""
        return read_manifests(directories_up_to(self.store.root, directory))


def directories_up_to(root: Path | None, directory: Path | None) -> list[Path]:
    """`directory` and its parents up to `root` (just `root` when `directory` lies outside)."""
    if root is None:
        return [directory] if directory is not None else []
    if directory is None:
        return [root]
    try:
        relative = directory.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return [root]
    found = [root]
    current = root
    for part in relative.parts:
        current = current / part
        found.append(current)
    return found
