"""The symbol index of one workspace root: a SQLite database, written per file, read by anyone.

Schema (version `SCHEMA_VERSION`, kept in `PRAGMA user_version`)::

    files(id, path UNIQUE, language, size, hash, mtime_ns, is_open)
    symbols(id, file_id, name, kind, container, start_line, end_line, signature, doc)
    imports(id, file_id, line, module, names JSON, alias, kind, resolved_path, package)
    meta(key, value)     the root the database belongs to

Paths are POSIX paths relative to the root; rows hand them back both relative and absolute.
Lines are 0-based.

Guarantees:

- The index is a cache. The database lives under the user's cache directory, in a file
  named by a hash of the root (`IndexSettings.directory` overrides the directory), never in
  the repository unless configured so. A database that is corrupt, of another schema
  version or locked by another process is moved out of the way and rebuilt empty; the
  caller re-indexes and keeps serving meanwhile.
- A file's rows are replaced in one transaction (`replace_files`), so a reader never sees a
  file half-written, and nothing of a deleted or renamed file survives `delete_files`.
- A read answers what the database holds when it is asked: answers are kept between
  writes (`context.index.readcache`) and never served after a write that any connection
  committed, this process's or another's.
- Thread safety: every thread gets its own connection (WAL mode lets readers read while a
  writer writes); writes are serialised by one lock, so the indexer thread and the event
  loop's per-keystroke updates never interleave inside a transaction.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import platformdirs
import sqlite_utils

from context.errors import IndexStoreError
from context.imports.statements import ImportedName
from context.index.readcache import Generation, ReadCache
from context.index.records import (
    FileRecord,
    decode_names,
    definition_rows,
    import_rows,
)
from context.private_files import private_database, private_dir
from context.syntax import Definition

SCHEMA_VERSION = 5
"""Bump on any change to the tables or to the rows extraction gives a file; an older
database is then rebuilt (a file is re-read only when its content changes, so new rows
would otherwise never reach unchanged files). Version 2 dropped the `symbols_fts`
full-text table, which nothing read and which cost over a third of the index's writes;
version 3 holds C and C++ declarations behind decorating macros, C++ namespace members
as top-level names, `using` aliases, and JavaScript members assigned outside a class
body; version 4 reads a `.h` header as C++ when its text or folder says so
(`context.header_language`), indexes the names of Go `var ( ... )` blocks and no longer
indexes a Go field inside a function (a test table's) as a top-level name; version 5
indexes the methods of an object literal that fills a JavaScript prototype
(`Foo.prototype = { ... }`, `Object.assign(Foo.prototype, { ... })`) as `Foo`'s members,
and the fields a prototype method assigns a `new` object (`this.source = new CodeGen()`)."""

_log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class FileRow:
    """One indexed file."""

    path: Path
    rel_path: str
    language: str
    size: int
    hash: str
    mtime_ns: int
    is_open: bool
    """True while the row holds an open document's text rather than the file on disk."""


@dataclass(frozen=True)
class SymbolRow:
    """One indexed definition and the file that holds it."""

    name: str
    kind: str
    container: str | None
    path: Path
    rel_path: str
    language: str
    start_line_idx: int
    end_line_idx: int
    signature: str
    doc: str | None


@dataclass(frozen=True)
class ImportRow:
    """One import of an indexed file, with where it resolved to when that is known."""

    path: Path
    rel_path: str
    module: str
    names: tuple[ImportedName, ...]
    alias: str | None
    kind: str
    line_idx: int
    resolved_path: str | None
    """The imported file, relative to the root, when it lies in the workspace."""
    package: str | None
    """The external package, when the import leads outside the workspace."""


def default_db_path(root: Path, directory: str = "") -> Path:
    """Where the database of `root` lives: `<cache>/fillin/index/<hash of root>.sqlite3`."""
    base = Path(directory).expanduser() if directory else _cache_dir()
    digest = hashlib.sha256(str(root.resolve()).encode("utf-8")).hexdigest()[:20]
    return base / f"{root.name or 'root'}-{digest}.sqlite3"


def _cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("fillin", appauthor=False)) / "index"


_SYMBOL_COLUMNS = (
    "s.name, s.kind, s.container, f.path, f.language, s.start_line, s.end_line, s.signature, s.doc"
)
_IMPORT_COLUMNS = "f.path, i.module, i.names, i.alias, i.kind, i.line, i.resolved_path, i.package"


class IndexStore:
    """The symbol index database of one workspace root."""

    def __init__(
        self,
        root: Path,
        db_path: Path | None = None,
        *,
        directory: str = "",
        timeout_s: float = 5.0,
    ) -> None:
        """Open (creating, or rebuilding when unusable) the database of `root`.

        `timeout_s` is how long a statement waits for another connection's lock.
        """
        self.root = root.resolve()
        self.db_path = db_path or default_db_path(self.root, directory)
        self._timeout_s = timeout_s
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._closed = False
        self.rebuilt_reason: str | None = None
        """Why an existing database was discarded when opening, or None."""
        self._generation = Generation(self._probe)
        self._reads = ReadCache()
        self._open()

    # Opening, validating and rebuilding.

    def _open(self) -> None:
        try:
            private_dir(self.db_path.parent)
        except OSError as exc:
            raise IndexStoreError(
                f"index.directory: cannot create {self.db_path.parent} ({exc}); "
                "set index.directory to a writable folder"
            ) from exc
        problem = self._check_existing()
        if problem is not None:
            self.rebuilt_reason = problem
            _log.warning("index %s: %s; rebuilding it", self.db_path, problem)
            self._discard(self.db_path)
        try:
            self._create_schema()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise IndexStoreError(f"index {self.db_path}: {exc}") from exc
            # Another process holds the database: index into a private one instead.
            self.close_connections()
            self.rebuilt_reason = f"locked by another process ({exc})"
            self.db_path = self.db_path.with_name(f"{self.db_path.stem}-{os.getpid()}.sqlite3")
            self._discard(self.db_path)
            self._create_schema()

    def _check_existing(self) -> str | None:
        """Why the database file on disk cannot be used, or None when it can (or is absent)."""
        if not self.db_path.exists():
            return None
        try:
            conn = sqlite3.connect(self.db_path, timeout=min(1.0, self._timeout_s))
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version != SCHEMA_VERSION:
                    return f"schema version {version}, expected {SCHEMA_VERSION}"
                check = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
                if check != "ok":
                    return f"corrupt ({check})"
                row = conn.execute("SELECT value FROM meta WHERE key = 'root'").fetchone()
                if row is None or row[0] != str(self.root):
                    return "it belongs to another root"
            finally:
                conn.close()
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return None
            return f"unreadable ({exc})"
        except sqlite3.DatabaseError as exc:
            return f"corrupt ({exc})"
        return None

    @staticmethod
    def _discard(path: Path) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{path}{suffix}").unlink()

    def _create_schema(self) -> None:
        try:
            private_database(self.db_path)
        except OSError as exc:
            raise IndexStoreError(
                f"index.directory: cannot create {self.db_path} ({exc}); "
                "set index.directory to a writable folder"
            ) from exc
        conn = self._conn()
        if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return
        # Every step is idempotent and the version is written last, so a crash half way
        # leaves a database that the next start finishes or rebuilds.
        with self._write_lock:
            db = sqlite_utils.Database(conn)
            db.table("meta").create({"key": str, "value": str}, pk="key", if_not_exists=True)
            db.table("files").create(
                {
                    "id": int,
                    "path": str,
                    "language": str,
                    "size": int,
                    "hash": str,
                    "mtime_ns": int,
                    "is_open": int,
                },
                pk="id",
                not_null={"path", "language", "size", "hash", "mtime_ns", "is_open"},
                if_not_exists=True,
            )
            db.table("symbols").create(
                {
                    "id": int,
                    "file_id": int,
                    "name": str,
                    "kind": str,
                    "container": str,
                    "start_line": int,
                    "end_line": int,
                    "signature": str,
                    "doc": str,
                },
                pk="id",
                not_null={"file_id", "name", "kind", "start_line", "end_line", "signature"},
                if_not_exists=True,
            )
            db.table("imports").create(
                {
                    "id": int,
                    "file_id": int,
                    "line": int,
                    "module": str,
                    "names": str,
                    "alias": str,
                    "kind": str,
                    "resolved_path": str,
                    "package": str,
                },
                pk="id",
                not_null={"file_id", "line", "module", "names", "kind"},
                if_not_exists=True,
            )
            db.table("files").create_index(["path"], unique=True, if_not_exists=True)
            db.table("symbols").create_index(["name"], if_not_exists=True)
            db.table("symbols").create_index(["file_id"], if_not_exists=True)
            db.table("symbols").create_index(["container"], if_not_exists=True)
            db.table("imports").create_index(["file_id"], if_not_exists=True)
            db.table("imports").create_index(["resolved_path"], if_not_exists=True)
            conn.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('root', ?)", (str(self.root),)
            )
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _conn(self) -> sqlite3.Connection:
        """The calling thread's connection, opened on first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise IndexStoreError(f"index {self.db_path}: the store is closed")
            conn = sqlite3.connect(
                self.db_path,
                timeout=self._timeout_s,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute("PRAGMA cache_size = -8000")
            self._local.conn = conn
            with self._connections_lock:
                self._connections.append(conn)
        return conn

    def _probe(self) -> sqlite3.Connection:
        """A connection that only asks whether anyone wrote (see `readcache.Generation`)."""
        if self._closed:
            raise IndexStoreError(f"index {self.db_path}: the store is closed")
        return sqlite3.connect(
            self.db_path, timeout=self._timeout_s, isolation_level=None, check_same_thread=False
        )

    def _cached(self, key: tuple[object, ...], read: Callable[[], list[T]]) -> list[T]:
        """`read()`, answered from the read cache while nothing was written since."""
        try:
            generation = self._generation.current()
        except sqlite3.Error as exc:
            raise IndexStoreError(f"index {self.db_path}: {exc}") from exc
        return self._reads.get(generation, key, read)

    def close_connections(self) -> None:
        """Close every thread's connection; the next use reopens the calling thread's."""
        self._generation.close()
        with self._connections_lock:
            for conn in self._connections:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._connections.clear()
        self._local = threading.local()

    def close(self) -> None:
        """Close the database; the store cannot be used afterwards."""
        self._closed = True
        self.close_connections()

    # Writing.

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._write_lock:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def replace_files(
        self, records: Sequence[FileRecord], *, should_skip: Callable[[str], bool] | None = None
    ) -> int:
        """Replace the rows of each file in `records` in one transaction; returns how many.

        `should_skip` is asked under the write lock, so a record read from disk can be
        dropped when its file was opened in the editor since it was read.
        """
        if not records:
            return 0
        with self._transaction() as conn:
            if should_skip is not None:
                records = [r for r in records if not should_skip(r.rel_path)]
            self._delete_rows(conn, [r.rel_path for r in records], keep_files=True)
            next_symbol = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM symbols").fetchone()[0]
            symbols: list[tuple[object, ...]] = []
            imports: list[tuple[object, ...]] = []
            for record, file_id in zip(records, _upsert_files(conn, records), strict=True):
                for row in definition_rows(record.definitions):
                    symbols.append((next_symbol, file_id, *row))
                    next_symbol += 1
                imports.extend((file_id, *row) for row in import_rows(record.imports))
            conn.executemany(_INSERT_SYMBOL, symbols)
            conn.executemany(_INSERT_IMPORT, imports)
        return len(records)

    def update_file(self, record: FileRecord, previous: Sequence[Definition] | None = None) -> None:
        """Bring one file's rows in line with `record`, touching only the rows that differ.

        Meant for a document being edited: a keystroke usually shifts the lines of some
        definitions and changes one or two, so rows are matched by (name, kind, container)
        and updated in place; only new and vanished definitions are inserted or deleted.
        `previous`, the definitions last written for the file, lets the comparison skip
        the unchanged runs at both ends of the list.
        """
        definitions = record.definitions
        with self._transaction() as conn:
            file_id = _upsert_file(conn, record)
            old_rows: list[tuple[Any, ...]] | None = None
            if previous is not None:
                head, tail = _unchanged_ends(previous, definitions)
                middle = previous[head : len(previous) - tail]
                old_rows = self._rows_of(conn, file_id, middle)
                if old_rows is not None:
                    definitions = definitions[head : len(definitions) - tail]
            if old_rows is None:
                old_rows = conn.execute(_SELECT_ROWS, (file_id,)).fetchall()
            pool: dict[tuple[str, str, str | None], list[tuple[int, tuple[object, ...]]]] = {}
            for sid, name, kind, container, *rest in reversed(old_rows):
                pool.setdefault((name, kind, container), []).append((sid, tuple(rest)))
            updates: list[tuple[object, ...]] = []
            added: list[Definition] = []
            for d in definitions:
                candidates = pool.get((d.name, d.kind, d.container))
                if not candidates:
                    added.append(d)
                    continue
                sid, rest = candidates.pop()
                fresh = (d.start_line_idx, d.end_line_idx, d.signature, d.doc)
                if rest != fresh:
                    updates.append((*fresh, sid))
            gone = [(sid,) for candidates in pool.values() for sid, _ in candidates]
            conn.executemany("DELETE FROM symbols WHERE id = ?", gone)
            conn.executemany(
                "UPDATE symbols SET start_line = ?, end_line = ?, signature = ?, doc = ? "
                "WHERE id = ?",
                updates,
            )
            if added:
                next_symbol = conn.execute(
                    "SELECT coalesce(max(id), 0) + 1 FROM symbols"
                ).fetchone()[0]
                ids = range(next_symbol, next_symbol + len(added))
                conn.executemany(
                    _INSERT_SYMBOL,
                    [_symbol_row(i, file_id, d) for i, d in zip(ids, added, strict=True)],
                )
            new_imports = [(file_id, *row) for row in import_rows(record.imports)]
            old_imports = conn.execute(
                "SELECT file_id, line, module, names, alias, kind, resolved_path, package "
                "FROM imports WHERE file_id = ? ORDER BY id",
                (file_id,),
            ).fetchall()
            if old_imports != new_imports:
                conn.execute("DELETE FROM imports WHERE file_id = ?", (file_id,))
                conn.executemany(_INSERT_IMPORT, new_imports)

    @staticmethod
    def _rows_of(
        conn: sqlite3.Connection, file_id: int, middle: Sequence[Definition]
    ) -> list[tuple[Any, ...]] | None:
        """The rows of exactly the definitions `middle`, or None when they are not all there."""
        if not middle:
            return []
        lines = [d.start_line_idx for d in middle]
        wanted: dict[tuple[object, ...], int] = {}
        for d in middle:
            key = (
                d.name,
                d.kind,
                d.container,
                d.start_line_idx,
                d.end_line_idx,
                d.signature,
                d.doc,
            )
            wanted[key] = wanted.get(key, 0) + 1
        rows = []
        for row in conn.execute(
            _SELECT_ROWS + " AND start_line BETWEEN ? AND ?", (file_id, min(lines), max(lines))
        ):
            key = tuple(row[1:])
            if wanted.get(key, 0) > 0:
                wanted[key] -= 1
                rows.append(row)
        return rows if len(rows) == len(middle) else None

    def delete_files(self, rel_paths: Sequence[str]) -> None:
        """Remove every row of these files (deleted, renamed away, or now ignored)."""
        if rel_paths:
            with self._transaction() as conn:
                self._delete_rows(conn, rel_paths, keep_files=False)

    def touch_files(self, updates: Sequence[tuple[str, int]]) -> None:
        """Record new modification times of files whose content did not change."""
        if updates:
            with self._transaction() as conn:
                conn.executemany(
                    "UPDATE files SET mtime_ns = ? WHERE path = ?",
                    [(mtime_ns, rel) for rel, mtime_ns in updates],
                )

    @staticmethod
    def _delete_rows(
        conn: sqlite3.Connection, rel_paths: Sequence[str], *, keep_files: bool
    ) -> None:
        ids = [
            (row[0],)
            for chunk in _chunks(rel_paths, 500)
            for row in conn.execute(
                f"SELECT id FROM files WHERE path IN ({','.join('?' * len(chunk))})", chunk
            )
        ]
        if not ids:
            return
        conn.executemany("DELETE FROM symbols WHERE file_id = ?", ids)
        conn.executemany("DELETE FROM imports WHERE file_id = ?", ids)
        if not keep_files:
            conn.executemany("DELETE FROM files WHERE id = ?", ids)

    def clear(self) -> None:
        """Remove every row (the database and its schema stay)."""
        with self._transaction() as conn:
            for table in ("symbols", "imports", "files"):
                conn.execute(f"DELETE FROM {table}")

    # Reading.

    def _path(self, path: Path | str) -> str:
        """A root-relative POSIX path for an absolute or relative path."""
        if isinstance(path, Path) and path.is_absolute():
            try:
                return path.relative_to(self.root).as_posix()
            except ValueError:
                try:
                    return path.resolve().relative_to(self.root).as_posix()
                except (ValueError, OSError):
                    # Outside the root: an absolute path matches no row.
                    return path.as_posix()
        return Path(path).as_posix()

    def _symbols(self, where: str, params: Sequence[object], limit: int | None) -> list[SymbolRow]:
        sql = f"SELECT {_SYMBOL_COLUMNS} FROM symbols s JOIN files f ON f.id = s.file_id {where}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        root = self.root

        def read() -> list[SymbolRow]:
            return [
                SymbolRow(
                    name, kind, container, _absolute(root, rel), rel, lang, start, end, sig, doc
                )
                for name, kind, container, rel, lang, start, end, sig, doc in self._conn().execute(
                    sql, params
                )
            ]

        return self._cached((sql, tuple(params)), read)

    def definitions(self, name: str, *, limit: int | None = 100) -> list[SymbolRow]:
        """Every definition named `name` (any kind, any container), in path order."""
        return self._symbols("WHERE s.name = ? ORDER BY f.path, s.start_line", (name,), limit)

    def definitions_named(
        self, names: Sequence[str], *, top_level: bool = False, limit: int = 500
    ) -> list[SymbolRow]:
        """Every definition named one of `names` (only those outside any container when
        `top_level`), in path order: one query for many names."""
        if not names:
            return []
        marks = ",".join("?" * len(names))
        where = f"WHERE s.name IN ({marks})" + (" AND s.container IS NULL" if top_level else "")
        return self._symbols(f"{where} ORDER BY f.path, s.start_line", tuple(names), limit)

    def definitions_in_file(self, path: Path | str) -> list[SymbolRow]:
        """The definitions of one file in source order (empty for an unknown file)."""
        return self._symbols(
            "WHERE f.path = ? ORDER BY s.start_line, s.id", (self._path(path),), None
        )

    def members(self, container: str, *, limit: int | None = 200) -> list[SymbolRow]:
        """The definitions whose container is `container` (methods, fields, ...)."""
        return self._symbols(
            "WHERE s.container = ? ORDER BY f.path, s.start_line, s.id", (container,), limit
        )

    def imports_of(self, path: Path | str) -> list[ImportRow]:
        """The imports of one file in source order."""
        return self._imports("WHERE f.path = ? ORDER BY i.line, i.id", (self._path(path),))

    def importers_of(self, path: Path | str) -> list[ImportRow]:
        """The imports, in any file, that resolved to `path`."""
        return self._imports("WHERE i.resolved_path = ? ORDER BY f.path", (self._path(path),))

    def _imports(self, where: str, params: Sequence[object]) -> list[ImportRow]:
        sql = f"SELECT {_IMPORT_COLUMNS} FROM imports i JOIN files f ON f.id = i.file_id {where}"
        root = self.root

        def read() -> list[ImportRow]:
            return [
                ImportRow(
                    _absolute(root, rel),
                    rel,
                    module,
                    decode_names(names),
                    alias,
                    kind,
                    line,
                    res,
                    pkg,
                )
                for rel, module, names, alias, kind, line, res, pkg in self._conn().execute(
                    sql, params
                )
            ]

        return self._cached((sql, tuple(params)), read)

    def file(self, path: Path | str) -> FileRow | None:
        """The row of one file, or None when it is not indexed."""
        rows = self._files("WHERE path = ?", (self._path(path),))
        return rows[0] if rows else None

    def files(self) -> list[FileRow]:
        """Every indexed file, in path order."""
        return self._files("ORDER BY path", ())

    def files_under(self, prefix: str, language: str) -> list[FileRow]:
        """The indexed files of `language` whose root-relative path starts with `prefix`
        ("" for all), in path order: a Python package's or a Rust crate's files."""
        return self._files(
            "WHERE language = ? AND substr(path, 1, ?) = ? ORDER BY path",
            (language, len(prefix), prefix),
        )

    def files_in_folder(self, folder: str) -> list[FileRow]:
        """The indexed files directly in the root-relative `folder` ("" for the root), in
        path order: a Go package's files."""
        if not folder:
            return self._files("WHERE instr(path, '/') = 0 ORDER BY path", ())
        prefix = folder.rstrip("/") + "/"
        return self._files(
            "WHERE substr(path, 1, ?) = ? AND instr(substr(path, ?), '/') = 0 ORDER BY path",
            (len(prefix), prefix, len(prefix) + 1),
        )

    def _files(self, where: str, params: Sequence[object]) -> list[FileRow]:
        sql = f"SELECT path, language, size, hash, mtime_ns, is_open FROM files {where}"
        root = self.root

        def read() -> list[FileRow]:
            return [
                FileRow(_absolute(root, rel), rel, lang, size, digest, mtime_ns, bool(is_open))
                for rel, lang, size, digest, mtime_ns, is_open in self._conn().execute(sql, params)
            ]

        return self._cached((sql, tuple(params)), read)

    def file_states(self) -> dict[str, tuple[int, int, str, bool]]:
        """Every indexed file's (size, mtime_ns, hash, is_open), for refresh decisions."""
        return {
            rel: (size, mtime_ns, digest, bool(is_open))
            for rel, size, mtime_ns, digest, is_open in self._conn().execute(
                "SELECT path, size, mtime_ns, hash, is_open FROM files"
            )
        }

    def file_count(self) -> int:
        """How many files are indexed."""
        return int(self._conn().execute("SELECT count(*) FROM files").fetchone()[0])

    def symbol_count(self) -> int:
        """How many definitions are indexed."""
        return int(self._conn().execute("SELECT count(*) FROM symbols").fetchone()[0])


@lru_cache(maxsize=1 << 16)
def _absolute(root: Path, rel: str) -> Path:
    """`root / rel`, remembered: rows of one file share it, and pathlib is slow to join."""
    return root / rel


_SELECT_ROWS = (
    "SELECT id, name, kind, container, start_line, end_line, signature, doc "
    "FROM symbols WHERE file_id = ?"
)
_INSERT_SYMBOL = "INSERT INTO symbols VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
_INSERT_IMPORT = (
    "INSERT INTO imports(file_id, line, module, names, alias, kind, resolved_path, package) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _unchanged_ends(old: Sequence[Definition], new: Sequence[Definition]) -> tuple[int, int]:
    """How many definitions at the start and at the end of both lists are the same."""
    n = min(len(old), len(new))
    head = 0
    while head < n and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < n - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return head, tail


_UPSERT_FILE = (
    "INSERT INTO files(path, language, size, hash, mtime_ns, is_open) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET "
    "language = excluded.language, size = excluded.size, hash = excluded.hash, "
    "mtime_ns = excluded.mtime_ns, is_open = excluded.is_open"
)


def _upsert_file(conn: sqlite3.Connection, record: FileRecord) -> int:
    """Insert or update the file row of `record`; returns its id."""
    row = conn.execute(f"{_UPSERT_FILE} RETURNING id", _file_row(record)).fetchone()
    return int(row[0])


def _upsert_files(conn: sqlite3.Connection, records: Sequence[FileRecord]) -> list[int]:
    """Insert or update the file rows of `records`; returns their ids, in order.

    One `executemany` and one lookup per 500 paths cost far less than a statement per
    file, which a cold index of many small files would mostly spend its writes on.
    """
    conn.executemany(_UPSERT_FILE, [_file_row(record) for record in records])
    paths = [record.rel_path for record in records]
    ids: dict[str, int] = {}
    for chunk in _chunks(paths, 500):
        ids.update(
            conn.execute(
                f"SELECT path, id FROM files WHERE path IN ({','.join('?' * len(chunk))})", chunk
            ).fetchall()
        )
    return [ids[path] for path in paths]


def _file_row(record: FileRecord) -> tuple[object, ...]:
    return (
        record.rel_path,
        record.language,
        record.size,
        record.hash,
        record.mtime_ns,
        int(record.is_open),
    )


def _symbol_row(symbol_id: int, file_id: int, d: Definition) -> tuple[object, ...]:
    return (
        symbol_id,
        file_id,
        d.name,
        d.kind,
        d.container,
        d.start_line_idx,
        d.end_line_idx,
        d.signature,
        d.doc,
    )


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
