"""A cold index holds the same rows however it is built, in every supported language.

The fixture repositories (tests/fixtures/repos, every language fillin indexes) are copied
into one tree, twice, so that it makes several chunks for the worker processes. That tree
is indexed three ways into three real SQLite files: a cold refresh in the calling thread, a
cold refresh in two worker processes, and one file per transaction through `read_record`
and `replace_files`, as later updates write files. All three must hold the same files,
symbols and imports (ids aside), and every language must have rows.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from context.ignore import IgnoreRules
from context.index.indexer import (
    CHUNK_FILES,
    FILE_WORK_BYTES,
    MAX_WORKERS,
    PARALLEL_MIN_WORK,
    Indexer,
    worker_count,
)
from context.index.records import FileRecord, default_resolver, read_record
from context.index.store import IndexStore
from context.languages import LANGUAGES, language_for_path
from context.settings import IndexSettings

# Every row of an index with its file's path in place of ids: what the builds must agree on.
_ROWS = {
    "files": "SELECT path, language, size, hash FROM files",
    "symbols": (
        "SELECT f.path, f.language, s.name, s.kind, s.container, s.start_line, s.end_line, "
        "s.signature, s.doc FROM symbols s JOIN files f ON f.id = s.file_id"
    ),
    "imports": (
        "SELECT f.path, f.language, i.line, i.module, i.names, i.alias, i.kind, "
        "i.resolved_path, i.package FROM imports i JOIN files f ON f.id = i.file_id"
    ),
}


def _rows(db: Path) -> dict[str, Counter[tuple[object, ...]]]:
    conn = sqlite3.connect(db)
    try:
        return {table: Counter(conn.execute(sql).fetchall()) for table, sql in _ROWS.items()}
    finally:
        conn.close()


def _fixture_tree(fixtures_dir: Path, root: Path) -> int:
    """Copy every fixture repository into `root` twice; returns how many source files."""
    for n_copy in range(2):
        for repo in sorted((fixtures_dir / "repos").iterdir()):
            if repo.is_dir():
                shutil.copytree(repo, root / f"copy{n_copy}" / repo.name)
    return sum(1 for path in root.rglob("*") if language_for_path(path))


def test_thread_workers_and_per_file_writes_leave_identical_rows_in_every_language(
    fixtures_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "tree"
    assert _fixture_tree(fixtures_dir, root) > 2 * CHUNK_FILES
    settings = IndexSettings()
    rules = IgnoreRules(root, settings)
    files = list(rules.walk())
    known = frozenset(f.rel_path for f in files)
    resolver = default_resolver(root.resolve(), settings.include_dirs, known.__contains__)

    built: dict[str, dict[str, Counter[tuple[object, ...]]]] = {}
    for name, n_workers in (("thread", 0), ("workers", 2)):
        store = IndexStore(root, tmp_path / f"{name}.sqlite3")
        try:
            with caplog.at_level(logging.WARNING, logger="context.index.indexer"):
                stats = Indexer(store, rules, resolver=resolver, n_workers=n_workers).refresh()
        finally:
            store.close()
        assert stats.n_workers == n_workers, name
        assert not caplog.records, "the workers failed and the thread did their work"
        built[name] = _rows(tmp_path / f"{name}.sqlite3")

    store = IndexStore(root, tmp_path / "per-file.sqlite3")
    try:
        for crawled in files:
            outcome = read_record(crawled, None, settings.max_file_bytes, resolver)
            if isinstance(outcome, FileRecord):
                store.replace_files([outcome])
    finally:
        store.close()
    built["per file"] = _rows(tmp_path / "per-file.sqlite3")

    reference = built["per file"]
    for name in ("thread", "workers"):
        for table, rows in reference.items():
            assert built[name][table] == rows, f"{name}: {table} differ"
    for lang in LANGUAGES:
        n_symbols = sum(n for row, n in reference["symbols"].items() if row[1] == lang.name)
        n_imports = sum(n for row, n in reference["imports"].items() if row[1] == lang.name)
        assert n_symbols > 0, f"no {lang.name} definitions in the fixture repositories"
        assert n_imports > 0, f"no {lang.name} imports in the fixture repositories"


def test_worker_count_parses_small_refreshes_in_the_thread_and_large_ones_in_workers() -> None:
    n_files = -(-PARALLEL_MIN_WORK // FILE_WORK_BYTES)  # the fewest files that make the work
    assert worker_count(None, n_files - 1, 0) == 0
    assert worker_count(None, 1, PARALLEL_MIN_WORK - FILE_WORK_BYTES - 1) == 0
    # However busy the machine is, a large refresh gets one worker, and at most MAX_WORKERS.
    assert 1 <= worker_count(None, n_files, 0) <= MAX_WORKERS
    assert 1 <= worker_count(None, 1, PARALLEL_MIN_WORK) <= MAX_WORKERS
    # A number asked for is what a refresh of any size gets.
    assert worker_count(0, 10 * n_files, 10 * PARALLEL_MIN_WORK) == 0
    assert worker_count(3, 1, 0) == 3
