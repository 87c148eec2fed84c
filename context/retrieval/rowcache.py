"""Index rows of files, kept across requests while the files do not change.

Retrieval reads the same files' definitions and imports on every keystroke (the imported
modules of the file being edited); most of them change rarely, and turning a big file's
hundreds of rows into values costs milliseconds. `FileRows` keeps them per index database
and file, checked against the file's content hash in the index (one single-row query), so
an edited or re-indexed file is read again and a stale row is never served.

`top_level` turns such a list into its top-level definitions by name once, not once per
request: the list handed out is the same object while the file's hash holds, so the
dictionary made from it is kept beside it.

`FileMemo` keeps what a ranking derives from a file's text on disk (the members it names
after a `.`, its `impl Trait for Type` headers) on the same terms: one read per file
content, not per request.

Guarantees: thread-safe; at most `max_files` files are kept (least recently used go first);
a `FileMemo` reads no file longer than `MAX_FILE_CHARS` (it is derived from "") and reads an
unreadable file as "".
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from context.index.store import FileRow, ImportRow, IndexStore, SymbolRow

T = TypeVar("T")
V = TypeVar("V")

MAX_FILE_CHARS = 400_000
"""A file longer than this is not read for a `FileMemo` (generated code, data)."""


class FileRows:
    """Definitions and imports per (database, file), valid while the file's hash holds."""

    def __init__(self, max_files: int = 256) -> None:
        self.max_files = max_files
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, str, str], tuple[str, object]] = OrderedDict()
        self._by_name: OrderedDict[int, tuple[list[SymbolRow], dict[str, list[SymbolRow]]]] = (
            OrderedDict()
        )

    def definitions(self, store: IndexStore, path: str) -> list[SymbolRow]:
        """`store.definitions_in_file(path)`, from the cache when the file is unchanged."""
        return self._get(store, path, "definitions", store.definitions_in_file)

    def imports(self, store: IndexStore, path: str) -> list[ImportRow]:
        """`store.imports_of(path)`, from the cache when the file is unchanged."""
        return self._get(store, path, "imports", store.imports_of)

    def top_level(self, rows: list[SymbolRow]) -> dict[str, list[SymbolRow]]:
        """The rows without a container, by name, in order; made once per list of rows
        (the dictionary is shared and must not be changed)."""
        with self._lock:
            entry = self._by_name.get(id(rows))
            if entry is not None and entry[0] is rows:
                self._by_name.move_to_end(id(rows))
                return entry[1]
        found: dict[str, list[SymbolRow]] = {}
        for row in rows:
            if row.container is None:
                found.setdefault(row.name, []).append(row)
        with self._lock:
            # The list is held beside its dictionary, so its id cannot be reused meanwhile.
            self._by_name[id(rows)] = (rows, found)
            while len(self._by_name) > self.max_files:
                self._by_name.popitem(last=False)
        return found

    def _get(
        self, store: IndexStore, path: str, kind: str, read: Callable[[str], list[T]]
    ) -> list[T]:
        row = store.file(path)
        if row is None:
            return []
        key = (str(store.db_path), path, kind)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == row.hash:
                self._entries.move_to_end(key)
                return entry[1]  # type: ignore[return-value]
        rows = read(path)
        with self._lock:
            self._entries[key] = (row.hash, rows)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_files:
                self._entries.popitem(last=False)
        return rows


FILE_ROWS = FileRows()
"""The process's cache; lists handed out are shared and must not be changed."""


class FileMemo(Generic[V]):
    """`derive(text)` of a file's text on disk per (database, file), valid while the file's
    indexed hash holds."""

    def __init__(self, derive: Callable[[str], V], max_files: int = 2048) -> None:
        self.max_files = max_files
        self._derive = derive
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, str], tuple[str, V]] = OrderedDict()

    def of(self, store: IndexStore, file: FileRow) -> V:
        """The value derived from `file`'s text, read again only when its hash changes."""
        key = (str(store.db_path), file.rel_path)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == file.hash:
                self._entries.move_to_end(key)
                return entry[1]
        text = ""
        if file.size <= MAX_FILE_CHARS:
            try:
                text = file.path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
        value = self._derive(text)
        with self._lock:
            self._entries[key] = (file.hash, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_files:
                self._entries.popitem(last=False)
        return value
