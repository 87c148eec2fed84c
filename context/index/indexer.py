"""Fill an `IndexStore` from the file tree: crawl, read, parse once, extract, write in batches.

`Indexer.refresh` makes the index match the disk: files whose size or modification time
changed are read and hashed, re-parsed only when the hash changed, and written in batched
transactions; indexed files that the crawl no longer finds (deleted, renamed, now ignored,
gone after a branch switch) lose every row. It runs in whatever thread calls it (the
workspace runs it in a worker thread) and reports `IndexProgress` as it goes.

A large refresh (`PARALLEL_MIN_WORK` or more, see `worker_count`) reads and parses in
worker processes (`spawn`ed, so nothing of the server's threads is inherited); the calling
thread only writes SQLite. Parsing holds the GIL, so this keeps the server's event loop
responsive while it indexes. It gets one worker per idle core (cores less the load average,
at least one, at most `MAX_WORKERS`): a worker on a busy core adds its start-up and about a
fifth more CPU per file and gains nothing, since the kernel shares a busy machine's CPU
between sessions, not processes. Smaller refreshes run in the calling thread.

Reading and parsing one file is `context.index.records`' job; imports are resolved there
through `context.imports.resolve_import` when that module is present (a resolver error never
fails indexing: the import is stored unresolved).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from context.ignore import CrawledFile, IgnoreRules
from context.index.records import (
    FileRecord,
    ImportResolver,
    Outcome,
    _init_worker,
    _read_chunk,
    read_record,
)
from context.index.store import IndexStore

_log = logging.getLogger(__name__)

BATCH_FILES = 200
"""Files per write transaction: big enough to amortise commits, small enough that a
keystroke's update never waits long for the write lock."""
FILE_WORK_BYTES = 4_500
"""What one file costs to crawl, read, hash, write and start parsing, counted in the bytes
that parsing and extraction get through in the same time (about 0.9 ms and 0.19 s/MB
measured on the CPython standard library and on many small generated files)."""
PARALLEL_MIN_WORK = 12_000_000
"""Work, in bytes with `FILE_WORK_BYTES` per file, from which worker processes pay: about
two and a half seconds on one core. A worker costs a third of a second of CPU to start
(imports, grammars and queries; `fillin serve`'s main module is light), which a busy
machine pays in full, since the other workers gain it nothing there."""
CHUNK_FILES = 32
"""Files per task sent to a worker process."""
MAX_WORKERS = 4


@dataclass(frozen=True)
class IndexProgress:
    """How far a refresh is: `n_done` of `n_total` files, the last one being `path`."""

    n_done: int
    n_total: int
    path: str


@dataclass(frozen=True)
class IndexStats:
    """What one refresh did."""

    n_files: int
    """Files in the index afterwards."""
    n_symbols: int
    """Definitions in the index afterwards."""
    n_parsed: int
    """Files read and parsed in this refresh."""
    n_unchanged: int
    n_deleted: int
    n_bytes: int
    """Bytes of the files parsed."""
    elapsed_s: float
    n_workers: int = 0
    """Worker processes that parsed (0: the calling thread did)."""

    @property
    def files_per_s(self) -> float:
        """Parsed files per second of the refresh."""
        return self.n_parsed / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def mb_per_s(self) -> float:
        """Parsed megabytes (10^6 bytes) per second of the refresh."""
        return self.n_bytes / 1e6 / self.elapsed_s if self.elapsed_s > 0 else 0.0


class Indexer:
    """Brings one store in line with the files its rules let it see."""

    def __init__(
        self,
        store: IndexStore,
        rules: IgnoreRules,
        *,
        resolver: ImportResolver | None = None,
        include_dirs: Sequence[str] = (),
        n_workers: int | None = None,
    ) -> None:
        """`n_workers`: worker processes for every refresh (0: parse in the calling
        thread), or None to choose by each refresh's size and the idle cores."""
        self.store = store
        self.rules = rules
        self.resolver = resolver
        self.include_dirs = tuple(include_dirs)
        self.n_workers = n_workers if n_workers is None else max(n_workers, 0)

    def refresh(
        self,
        progress: Callable[[IndexProgress], None] | None = None,
        *,
        skip: Collection[str] = (),
        should_skip: Callable[[str], bool] | None = None,
        cancel: threading.Event | None = None,
        crawled: list[CrawledFile] | None = None,
    ) -> IndexStats:
        """Crawl, re-index what changed and delete what vanished; returns what it did.

        Paths in `skip` (open documents) are neither read nor deleted; `should_skip` is
        asked again when each batch is written. `crawled` is the crawl result when the
        caller already has it. Setting `cancel` stops between files.
        """
        started = time.perf_counter()
        files = crawled if crawled is not None else list(self.rules.walk())
        known = self.store.file_states()
        seen = {f.rel_path for f in files}
        stale = [rel for rel in known if rel not in seen and rel not in skip]
        self.store.delete_files(stale)
        todo = [f for f in files if f.rel_path not in skip and _is_changed(f, known)]
        # An open document's row holds the editor's text, so its disk file is always re-read.
        old_hashes = [
            None if known.get(f.rel_path, (0, 0, "", True))[3] else known[f.rel_path][2]
            for f in todo
        ]
        batch: list[FileRecord] = []
        touched: list[tuple[str, int]] = []
        unusable: list[str] = []
        n_parsed = n_bytes = 0
        n_chunks = -(-len(todo) // CHUNK_FILES)
        n_workers = min(
            worker_count(self.n_workers, len(todo), sum(f.size for f in todo)), n_chunks
        )
        outcomes = self._outcomes(todo, old_hashes, seen, cancel, n_workers)
        for n_done, (crawled_file, outcome) in enumerate(outcomes, 1):
            if outcome is None:
                touched.append((crawled_file.rel_path, crawled_file.mtime_ns))
            elif isinstance(outcome, FileRecord):
                batch.append(outcome)
                n_parsed += 1
                n_bytes += outcome.size
            else:
                unusable.append(crawled_file.rel_path)
            if len(batch) >= BATCH_FILES:
                self.store.replace_files(batch, should_skip=should_skip)
                batch = []
            if progress is not None:
                progress(IndexProgress(n_done, len(todo), crawled_file.rel_path))
        self.store.replace_files(batch, should_skip=should_skip)
        self.store.touch_files(touched)
        self.store.delete_files(unusable)
        return IndexStats(
            n_files=self.store.file_count(),
            n_symbols=self.store.symbol_count(),
            n_parsed=n_parsed,
            n_unchanged=len(files) - len(todo),
            n_deleted=len(stale),
            n_bytes=n_bytes,
            elapsed_s=time.perf_counter() - started,
            n_workers=n_workers,
        )

    def _outcomes(
        self,
        todo: Sequence[CrawledFile],
        old_hashes: Sequence[str | None],
        seen: Collection[str],
        cancel: threading.Event | None,
        n_workers: int,
    ) -> Iterator[tuple[CrawledFile, Outcome]]:
        """Each file of `todo` with its outcome, in order, from this thread or `n_workers`
        worker processes."""
        max_bytes = self.rules.settings.max_file_bytes
        if not n_workers:
            for crawled_file, old_hash in zip(todo, old_hashes, strict=True):
                if cancel is not None and cancel.is_set():
                    return
                yield crawled_file, read_record(crawled_file, old_hash, max_bytes, self.resolver)
            return
        chunks = [
            list(zip(todo[i : i + CHUNK_FILES], old_hashes[i : i + CHUNK_FILES], strict=True))
            for i in range(0, len(todo), CHUNK_FILES)
        ]
        executor = ProcessPoolExecutor(
            max_workers=n_workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(
                self.store.root,
                self.include_dirs,
                frozenset(seen),
                max_bytes,
                self.resolver is not None,
            ),
        )
        n_chunks_done = 0
        try:
            for chunk, outcomes in zip(chunks, executor.map(_read_chunk, chunks), strict=True):
                for (crawled_file, _), outcome in zip(chunk, outcomes, strict=True):
                    yield crawled_file, outcome
                n_chunks_done += 1
                if cancel is not None and cancel.is_set():
                    return
        except (BrokenProcessPool, OSError, RuntimeError) as exc:
            # Workers cannot start everywhere (an unguarded `__main__`, process limits):
            # finish in this thread rather than fail the refresh.
            _log.warning("index workers failed (%s); parsing in this thread", exc)
            for chunk in chunks[n_chunks_done:]:
                for crawled_file, old_hash in chunk:
                    if cancel is not None and cancel.is_set():
                        return
                    yield (
                        crawled_file,
                        read_record(crawled_file, old_hash, max_bytes, self.resolver),
                    )
        finally:
            executor.shutdown(wait=True, cancel_futures=True)


def worker_count(requested: int | None, n_files: int, n_bytes: int) -> int:
    """Worker processes for a refresh that parses `n_files` files of `n_bytes` bytes: the
    `requested` number, or when that is None, a choice; 0 means the calling thread parses.

    A large refresh on a busy machine still gets one worker, which keeps the GIL free for
    the server's event loop; each further worker needs an idle core. The load average
    counts the calling thread, which idles while workers parse.
    """
    if requested is not None:
        return requested
    if n_files * FILE_WORK_BYTES + n_bytes < PARALLEL_MIN_WORK:
        return 0
    try:
        n_cores = len(os.sched_getaffinity(0))
    except AttributeError:
        n_cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        # No load average (Windows): assume the cores are idle.
        load = 0.0
    n_idle = int(n_cores - max(load - 1.0, 0.0) + 0.5)
    return max(1, min(MAX_WORKERS, n_cores, n_idle))


def _is_changed(crawled: CrawledFile, known: dict[str, tuple[int, int, str, bool]]) -> bool:
    state = known.get(crawled.rel_path)
    if state is None:
        return True
    size, mtime_ns, _, is_open = state
    return is_open or size != crawled.size or mtime_ns != crawled.mtime_ns
