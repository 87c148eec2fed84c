"""The index's read cache: answers are reused between writes and never served after one.

Real SQLite files throughout; the "other process" is a real Python subprocess writing the
same database file through its own `IndexStore`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from context.document import Document, TextChange
from context.index.readcache import ReadCache
from context.index.records import FileRecord
from context.index.store import IndexStore
from context.settings import IndexSettings
from context.syntax import Definition
from context.workspace import Workspace

REPO_ROOT = Path(__file__).resolve().parents[3]


def _record(rel: str, container: str, *names: str) -> FileRecord:
    definitions = [Definition(container, "class", None, 0, len(names), f"class {container}:", None)]
    definitions += [
        Definition(n, "method", container, i + 1, i + 1, f"def {n}(self):", None)
        for i, n in enumerate(names)
    ]
    return FileRecord(rel, "python", 10, f"hash-{names}", 1, definitions, [])


def _member_names(store: IndexStore, container: str) -> list[str]:
    return [row.name for row in store.members(container)]


def test_a_repeated_read_is_answered_from_the_cache_and_copies_are_independent(
    tmp_path: Path,
) -> None:
    store = IndexStore(tmp_path, tmp_path / "index.sqlite3")
    try:
        store.replace_files([_record("a.py", "Cart", "add", "total")])
        first = store.members("Cart")
        second = store.members("Cart")
        assert first == second and first is not second
        # The second answer's rows are the very objects the first read built.
        assert all(a is b for a, b in zip(first, second, strict=True))
        first.clear()
        assert _member_names(store, "Cart") == ["add", "total"]
    finally:
        store.close()


def test_every_kind_of_write_through_the_store_is_seen_at_once(tmp_path: Path) -> None:
    store = IndexStore(tmp_path, tmp_path / "index.sqlite3")
    try:
        store.replace_files([_record("a.py", "Cart", "add")])
        assert _member_names(store, "Cart") == ["add"]
        store.replace_files([_record("a.py", "Cart", "add", "remove")])
        assert _member_names(store, "Cart") == ["add", "remove"]
        store.update_file(_record("a.py", "Cart", "remove"))
        assert _member_names(store, "Cart") == ["remove"]
        assert [f.rel_path for f in store.files()] == ["a.py"]
        store.delete_files(["a.py"])
        assert _member_names(store, "Cart") == [] and store.files() == []
        store.replace_files([_record("b.py", "Cart", "pay")])
        assert store.file("b.py") is not None
        store.clear()
        assert store.file("b.py") is None and _member_names(store, "Cart") == []
    finally:
        store.close()


def test_a_keystroke_that_changes_a_signature_is_seen_by_the_next_read(
    tmp_path: Path,
) -> None:
    (tmp_path / "cart.py").write_text("class Cart:\n    def add(self, item):\n        pass\n")
    workspace = Workspace(tmp_path, IndexSettings(), db_path=tmp_path / "index.sqlite3")
    try:
        workspace.refresh()
        path = tmp_path / "cart.py"
        assert [r.signature for r in workspace.store.members("Cart")] == ["def add(self, item):"]
        document = Document(path.as_uri(), path.read_text(), "python", 1, path)
        workspace.open_document(document)
        offset = document.text.index("item")
        change = TextChange(offset, offset, "first_")
        workspace.change_document(document.with_text(change.apply(document.text), 2), [change])
        assert [r.signature for r in workspace.store.members("Cart")] == [
            "def add(self, first_item):"
        ]
    finally:
        workspace.close()


def test_a_write_by_another_process_is_seen_by_the_next_read(tmp_path: Path) -> None:
    db = tmp_path / "index.sqlite3"
    store = IndexStore(tmp_path, db)
    try:
        store.replace_files([_record("a.py", "Cart", "add")])
        assert _member_names(store, "Cart") == ["add"]
        script = textwrap.dedent(
            f"""
            from pathlib import Path
            from context.index.records import FileRecord
            from context.index.store import IndexStore
            from context.syntax import Definition
            store = IndexStore(Path({str(tmp_path)!r}), Path({str(db)!r}))
            method = Definition("checkout", "method", "Cart", 1, 1, "def checkout(self):", None)
            store.replace_files([FileRecord("b.py", "python", 1, "h", 1, [method], [])])
            store.close()
            """
        )
        subprocess.run(
            [sys.executable, "-c", script], check=True, cwd=REPO_ROOT, timeout=60, env=_env()
        )
        assert _member_names(store, "Cart") == ["add", "checkout"]
    finally:
        store.close()


def test_an_answer_read_at_an_older_generation_is_neither_served_nor_kept() -> None:
    cache = ReadCache()
    reads: list[str] = []

    def reader(value: str) -> Callable[[], list[str]]:
        def read() -> list[str]:
            reads.append(value)
            return [value]

        return read

    assert cache.get(2, "q", reader("new")) == ["new"]
    # A slow reader that took its generation before the last write reads SQLite itself.
    assert cache.get(1, "q", reader("old")) == ["old"]
    assert cache.get(2, "q", reader("again")) == ["new"]
    assert cache.get(3, "q", reader("newer")) == ["newer"]
    assert reads == ["new", "old", "newer"]


def test_the_cache_keeps_at_most_its_bound() -> None:
    cache = ReadCache(max_entries=2)
    for key in ("a", "b", "c"):
        cache.get(1, key, lambda key=key: [key])  # type: ignore[misc]
    assert cache.get(1, "a", lambda: ["read again"]) == ["read again"]
    assert cache.get(1, "c", lambda: ["not read"]) == ["c"]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
