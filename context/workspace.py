"""One workspace folder: its symbol index, its ignore rules and the open-document overlay.

The server creates one `Workspace` per workspace folder and forwards document and file
events to it; retrieval reads `store` (definitions, members, imports), asks
`document_text` for a file's current text and `recent_edits` for what the user just typed.

Guarantees:

- Open documents are the truth. While a document is open its in-memory text, not the file
  on disk, is what the index holds (`FileRow.is_open`) and what `document_text` returns;
  a refresh never overwrites it. Closing it falls back to the disk.
- Ignored files never enter the index, and `is_ignored`/`document_text` keep them out of
  prompts (see `context.ignore` for the rules).
- `change_document` re-parses incrementally and replaces the file's rows in one
  transaction, in the calling thread (a few milliseconds for a 2,000-line file).

Concurrency model: the event loop thread calls every method except `refresh`. Crawling
and re-indexing run on one private worker thread (`index` awaits it; `files_changed` queues
a refresh there after a branch switch or an ignore-file change), which hands large batches
to worker processes (see `context.index.indexer`). Both threads write through the store,
whose single write lock keeps transactions whole; readers use their own connections and
see committed data only (WAL). The overlay (`_open`) is only mutated under `_lock`, and
the worker reads it, under the store's write lock, just before writing each batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlparse

import tree_sitter as ts

from context.document import Document, TextChange
from context.header_language import language_for_file
from context.ignore import IgnoreRules, content_problem
from context.imports.statements import Import
from context.index.indexer import Indexer, IndexProgress, IndexStats
from context.index.records import (
    FileRecord,
    ImportResolver,
    ResolvedImport,
    build_record,
    content_hash,
    default_resolver,
)
from context.index.store import IndexStore
from context.languages import Language, language_for_document, language_for_path
from context.settings import IndexSettings
from context.syntax import Definition, ExtractionCache, parse, reparse

_log = logging.getLogger(__name__)

MAX_RECENT_EDITS = 64
"""How many edited regions `recent_edits` remembers per workspace."""
FULL_REFRESH_AFTER = 64
"""A batch of watched-file events at least this big (a branch switch) triggers a refresh."""
PROGRESS_INTERVAL_S = 0.1
"""Progress callbacks are throttled to at most one per interval (plus the last)."""

FileChangeKind = Literal["created", "changed", "deleted"]


@dataclass(frozen=True)
class RecentEdit:
    """A region the user edited: lines `start_line_idx..end_line_idx` of `path` at `time_s`."""

    path: Path
    rel_path: str
    start_line_idx: int
    end_line_idx: int
    time_s: float
    """`time.monotonic()` of the last change to the region."""


@dataclass
class _OpenDocument:
    """The overlay's state of one open document."""

    document: Document
    rel_path: str | None
    """Relative to the root; None when the document is not indexed (outside, ignored, ...)."""
    lang: Language | None
    tree: ts.Tree | None
    extraction: ExtractionCache | None = None
    written: tuple[list[Definition], list[ResolvedImport]] | None = None
    """What the index holds for the document, to skip writes that would change nothing."""
    resolutions: dict[tuple[str, str, tuple[str, ...]], tuple[str | None, str | None]] = field(
        default_factory=dict
    )


class Workspace:
    """The index and the open-document overlay of one workspace folder."""

    def __init__(self, root: Path, settings: IndexSettings, *, db_path: Path | None = None) -> None:
        self.root = root.resolve()
        self.settings = settings
        self.rules = IgnoreRules(self.root, settings)
        self.store = IndexStore(self.root, db_path, directory=settings.directory)
        self._lock = threading.Lock()
        self._open: dict[str, _OpenDocument] = {}
        self._open_rel: set[str] = set()
        self._recent: deque[RecentEdit] = deque(maxlen=MAX_RECENT_EDITS)
        self._known: frozenset[str] = frozenset()
        self._resolver: ImportResolver | None = self._new_resolver()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fillin-index")
        self._cancel = threading.Event()
        self.last_stats: IndexStats | None = None

    # Paths and rules.

    def rel_path(self, path: Path) -> str | None:
        """`path` relative to the root as a POSIX path, or None when it lies outside."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            try:
                return path.resolve().relative_to(self.root).as_posix()
            except (ValueError, OSError):
                return None

    def contains(self, path: Path) -> bool:
        """Whether `path` lies inside this workspace folder."""
        return self.rel_path(path) is not None

    def is_ignored(self, path: Path) -> bool:
        """Whether `path` must stay out of the index and of prompts (see `context.ignore`)."""
        return self.rules.is_ignored(path)

    def _new_resolver(self) -> ImportResolver | None:
        """A resolver with an empty cache, for when files appeared or vanished."""
        return default_resolver(self.root, self.settings.include_dirs, self._is_known)

    def _is_known(self, rel_path: str) -> bool:
        return rel_path in self._known or rel_path in self._open_rel

    # Indexing.

    async def index(self, progress: Callable[[IndexProgress], None] | None = None) -> IndexStats:
        """Crawl and (re)index what changed, on the worker thread; the event loop stays free.

        `progress` is called on the event loop's thread, at most every
        `PROGRESS_INTERVAL_S` seconds and once at the end.
        """
        loop = asyncio.get_running_loop()
        report: Callable[[IndexProgress], None] | None = None
        if progress is not None:
            callback = progress

            def report(update: IndexProgress) -> None:
                loop.call_soon_threadsafe(callback, update)

        future = self._executor.submit(self.refresh, report)
        return await asyncio.wrap_future(future)

    def refresh(self, progress: Callable[[IndexProgress], None] | None = None) -> IndexStats:
        """Crawl and (re)index what changed, in the calling thread (`fillin index` uses it)."""
        if not self.settings.enabled:
            return IndexStats(0, 0, 0, 0, 0, 0, 0.0)
        crawled = list(self.rules.walk())
        self._known = frozenset(f.rel_path for f in crawled)
        self._resolver = self._new_resolver()
        indexer = Indexer(
            self.store, self.rules, resolver=self._resolver, include_dirs=self.settings.include_dirs
        )
        with self._lock:
            skip = frozenset(self._open_rel)
        stats = indexer.refresh(
            _throttled(progress) if progress is not None else None,
            skip=skip,
            should_skip=self._open_rel.__contains__,
            cancel=self._cancel,
            crawled=crawled,
        )
        self.last_stats = stats
        return stats

    # The open-document overlay.

    def _path_of(self, document: Document) -> Path | None:
        if document.path is not None:
            return document.path
        parsed = urlparse(document.uri)
        if parsed.scheme != "file":
            return None
        return Path(unquote(parsed.path))

    def open_document(self, document: Document) -> None:
        """Start overriding the disk with `document`'s text, in the index and in reads."""
        path = self._path_of(document)
        lang = language_for_document(path, document.language_id)
        rel = None
        if path is not None and lang is not None and not self.rules.is_ignored_path(path):
            rel = self.rel_path(path)
        state = _OpenDocument(document, rel, lang, None)
        with self._lock:
            self._open[document.uri] = state
            if rel is not None:
                self._open_rel.add(rel)
        if rel is not None and lang is not None:
            data = document.text.encode("utf-8")
            state.tree = parse(lang, data)
            self._write_overlay(state, data)

    def change_document(self, document: Document, changes: Sequence[TextChange]) -> None:
        """Apply an edit: incremental re-parse, then the file's rows replaced in one transaction.

        `document` is the snapshot after `changes`; when re-applying the changes does not
        give its text (a missed event), the document is parsed from scratch.
        """
        state = self._open.get(document.uri)
        if state is None:
            self.open_document(document)
            return
        old_text = state.document.text
        self._record_edits(state, old_text, changes)
        state.document = document
        if state.rel_path is None or state.lang is None:
            return
        if state.tree is not None and changes:
            text, tree = reparse(state.lang, state.tree, old_text, changes)
            if text != document.text:
                _log.info(
                    "%s: edits do not add up to the new text; parsing it again", state.rel_path
                )
                tree = parse(state.lang, document.text)
        else:
            tree = parse(state.lang, document.text)
        state.tree = tree
        self._write_overlay(state, document.text.encode("utf-8"))

    def close_document(self, uri: str) -> None:
        """Stop overriding the disk: the file's rows go back to what the disk holds."""
        with self._lock:
            state = self._open.pop(uri, None)
            if state is None or state.rel_path is None:
                return
            still_open = any(s.rel_path == state.rel_path for s in self._open.values())
            if not still_open:
                self._open_rel.discard(state.rel_path)
        if not still_open:
            self._reindex_from_disk([state.rel_path])

    def _write_overlay(self, state: _OpenDocument, data: bytes) -> None:
        assert state.rel_path is not None and state.lang is not None and state.tree is not None
        if len(data) > self.settings.max_file_bytes:
            self.store.delete_files([state.rel_path])
            state.written = None
            return
        lang = state.lang
        if state.extraction is None:
            state.extraction = ExtractionCache(lang)
        definitions, statements = state.extraction.extract(state.tree, data)
        imports = [self._resolve_cached(state, statement) for statement in statements]
        if state.written == (definitions, imports):
            # Most keystrokes change no row; the hash of the whole text is taken only when
            # a row is written.
            return
        record = FileRecord(
            rel_path=state.rel_path,
            language=lang.name,
            size=len(data),
            hash=content_hash(data),
            mtime_ns=0,
            definitions=definitions,
            imports=imports,
            is_open=True,
        )
        self.store.update_file(record, state.written[0] if state.written else None)
        state.written = (definitions, imports)

    def _resolve_cached(self, state: _OpenDocument, statement: Import) -> ResolvedImport:
        """Resolve an import of an open document, reusing the answer across keystrokes."""
        if self._resolver is None or state.rel_path is None or state.lang is None:
            return ResolvedImport(statement)
        key = (statement.module, statement.kind, tuple(n.name for n in statement.names))
        cached = state.resolutions.get(key)
        if cached is None:
            try:
                cached = self._resolver(state.rel_path, statement, state.lang.name)
            except Exception:
                _log.exception("resolving %r in %s failed", statement.module, state.rel_path)
                cached = (None, None)
            state.resolutions[key] = cached
        return ResolvedImport(statement, *cached)

    def _record_edits(
        self, state: _OpenDocument, old_text: str, changes: Sequence[TextChange]
    ) -> None:
        path = self._path_of(state.document)
        if path is None or state.rel_path is None:
            return
        now = time.monotonic()
        text = old_text
        for change in changes:
            start = text.count("\n", 0, max(0, min(change.start, len(text))))
            end = start + change.text.count("\n")
            text = change.apply(text)
            last = self._recent[-1] if self._recent else None
            if (
                last is not None
                and last.rel_path == state.rel_path
                and start <= last.end_line_idx + 1
                and end >= last.start_line_idx - 1
            ):
                self._recent.pop()
                start = min(start, last.start_line_idx)
                end = max(end, last.end_line_idx)
            self._recent.append(RecentEdit(path, state.rel_path, start, end, now))

    def recent_edits(self, *, limit: int = 16, max_age_s: float | None = None) -> list[RecentEdit]:
        """The most recently edited regions, newest first (merged while typing on)."""
        now = time.monotonic()
        edits = [
            e for e in reversed(self._recent) if max_age_s is None or now - e.time_s <= max_age_s
        ]
        return edits[:limit]

    def open_documents(self) -> list[Document]:
        """Snapshots of the documents open in this workspace folder."""
        with self._lock:
            return [s.document for s in self._open.values() if s.rel_path is not None]

    def document_text(self, path: Path) -> str | None:
        """The text of `path`: the open document's, else the disk's; None when ignored,
        too large, binary, not text, or missing."""
        with self._lock:
            for state in self._open.values():
                if state.rel_path is not None and self._path_of(state.document) == path:
                    return state.document.text
        if self.rules.is_ignored_path(path):
            return None
        try:
            if path.stat().st_size > self.settings.max_file_bytes:
                return None
            data = path.read_bytes()
        except OSError:
            return None
        if content_problem(data) is not None:
            return None
        return data.decode("utf-8", "replace")

    # Watched files.

    def files_changed(self, changes: Sequence[tuple[Path, FileChangeKind]]) -> None:
        """Pick up files created, changed or deleted outside the editor.

        A change to an ignore file, or a burst of changes (a branch switch), queues a full
        refresh on the worker thread; other files are re-indexed here, one transaction each.
        """
        rels: list[str] = []
        needs_refresh = len(changes) >= FULL_REFRESH_AFTER
        if any(kind != "changed" for _, kind in changes):
            # A file that appears or vanishes can change where imports lead.
            self._resolver = self._new_resolver()
            for state in self._open.values():
                state.resolutions.clear()
        for path, _ in changes:
            if path.name in (".gitignore", ".fillinignore"):
                self.rules.invalidate(path.parent)
                needs_refresh = True
            rel = self.rel_path(path)
            if rel is not None:
                rels.append(rel)
        if needs_refresh:
            self._executor.submit(self._background_refresh)
            return
        self._reindex_from_disk(rels)

    def _background_refresh(self) -> None:
        try:
            self.refresh()
        except Exception:
            _log.exception("refreshing the index of %s failed", self.root)

    def _reindex_from_disk(self, rel_paths: Sequence[str]) -> None:
        """Bring these paths' rows in line with the disk (files or whole directories)."""
        records: list[FileRecord] = []
        gone: list[str] = []
        known = self.store.file_states()
        for rel in rel_paths:
            if rel in self._open_rel:
                continue
            path = self.root / rel
            if path.is_dir():
                continue
            lang = language_for_path(rel)
            if not path.exists():
                prefix = rel + "/"
                gone.extend(k for k in known if k == rel or k.startswith(prefix))
                continue
            if lang is None or self.rules.is_ignored(path):
                gone.append(rel)
                continue
            try:
                data = path.read_bytes()
                mtime_ns = path.stat().st_mtime_ns
            except OSError:
                gone.append(rel)
                continue
            self._known = self._known | {rel}
            lang = language_for_file(path, data) or lang
            records.append(build_record(rel, lang, data, mtime_ns, resolver=self._resolver))
        self.store.delete_files(gone)
        self.store.replace_files(records, should_skip=self._open_rel.__contains__)

    def close(self) -> None:
        """Stop indexing and close the database."""
        self._cancel.set()
        self._executor.shutdown(wait=True, cancel_futures=True)
        with contextlib.suppress(Exception):
            self.store.close()


def _throttled(progress: Callable[[IndexProgress], None]) -> Callable[[IndexProgress], None]:
    """`progress`, called at most every `PROGRESS_INTERVAL_S` seconds and for the last file."""
    last = [0.0]

    def report(update: IndexProgress) -> None:
        now = time.monotonic()
        if update.n_done >= update.n_total or now - last[0] >= PROGRESS_INTERVAL_S:
            last[0] = now
            progress(update)

    return report
