"""Answers of the index's read queries, kept while no write could have changed them.

Retrieval asks the same questions on every keystroke (the members of the type before the
dot, the definitions of the names around the cursor, the files of a Go package), and much
of its time went into SQLite and into building the same rows again. `ReadCache` keeps each
answer under the index's generation: a number that moves on every write committed through
any connection, this process's or another's (a second editor's server on the same
database), as SQLite's `PRAGMA data_version` tells a probe connection that never writes.

Guarantees:

- An answer is only served at the generation it was read in: after any committed write,
  every query goes to SQLite again. The generation is read before the query runs, so a
  cached answer is never older than the writes its generation counts.
- Every caller gets its own list: changing a returned list never changes the cache.
- Thread-safe; at most `max_entries` answers are kept (least recently used go first).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")

MAX_ENTRIES = 2048
"""Answers kept; a big type's member list is the largest, about a megabyte at 2,000 rows."""


class Generation:
    """The index's write counter, as one process sees it.

    It reads `PRAGMA data_version` on a connection of its own that never writes: SQLite
    changes that number whenever any other connection (of this process or another one)
    has committed since the last time it was asked, so one probe sees every write.
    """

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._data_version: int | None = None
        self._value = 0

    def current(self) -> int:
        """The generation now; it moves after every committed write."""
        with self._lock:
            if self._conn is None:
                self._conn = self._connect()
            data_version = int(self._conn.execute("PRAGMA data_version").fetchone()[0])
            if data_version != self._data_version:
                # A fresh probe cannot tell what was committed before it opened.
                self._data_version = data_version
                self._value += 1
            return self._value

    def close(self) -> None:
        """Close the probe; the next `current` opens a new one and moves the generation."""
        with self._lock:
            if self._conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.close()
            self._conn = None
            self._data_version = None


class ReadCache:
    """Query answers keyed by (generation, query), least recently used dropped first."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, list[object]] = OrderedDict()
        self._generation = -1

    def get(self, generation: int, key: Hashable, read: Callable[[], list[T]]) -> list[T]:
        """The answer of `read()` at `generation`, from the cache when it was read there."""
        with self._lock:
            if generation > self._generation:
                # Answers of an older generation can never be served again.
                self._entries.clear()
                self._generation = generation
            cached = self._entries.get(key) if generation == self._generation else None
            if cached is not None:
                self._entries.move_to_end(key)
                return list(cached)  # type: ignore[arg-type]
        rows = read()
        with self._lock:
            if generation == self._generation:
                self._entries[key] = list(rows)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return rows
