"""What retrieval keeps between keystrokes, and the scans it narrowed, give the answers
it gave before: a file's top-level definitions by name are made once per version of the
file (a real index on disk), and the uses of a receiver's members are counted as the
whole-text scan counted them."""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

from context.document import Document, TextChange
from context.retrieval.named_members import _NAME, NEAR_CHARS, receiver_uses
from context.retrieval.rowcache import FILE_ROWS
from context.settings import IndexSettings
from context.workspace import Workspace


def test_a_files_top_level_names_are_made_once_per_version(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "shapes.py").write_text(
        "class Box:\n    def put(self, item):\n        pass\n\n\n"
        "def make_box():\n    return Box()\n"
    )
    workspace = Workspace(root, IndexSettings(directory=str(tmp_path / "index")))
    try:
        workspace.refresh()
        store = workspace.store
        first = FILE_ROWS.top_level(FILE_ROWS.definitions(store, "shapes.py"))
        assert {name: [r.kind for r in rows] for name, rows in first.items()} == {
            "Box": ["class"],
            "make_box": ["function"],
        }
        # Unchanged: the same rows, so the same dictionary, not a new one.
        assert FILE_ROWS.top_level(FILE_ROWS.definitions(store, "shapes.py")) is first
        # An edit in the editor changes the rows, and so the answer.
        path = root / "shapes.py"
        text = path.read_text()
        document = Document(path.as_uri(), text, "python", 1, path)
        workspace.open_document(document)
        added = "\n\ndef make_crate():\n    return Box()\n"
        changed = Document(path.as_uri(), text + added, "python", 2, path)
        workspace.change_document(changed, [TextChange(len(text), len(text), added)])
        after = FILE_ROWS.top_level(FILE_ROWS.definitions(store, "shapes.py"))
        assert after is not first
        assert sorted(after) == ["Box", "make_box", "make_crate"]
    finally:
        workspace.close()


def _reference_uses(text: str, offset: int, receiver: str) -> Counter[str]:
    """The count as it was: the receiver's pattern tried at every character."""
    parts = [re.escape(p) for p in re.split(r"\s*(?:\?\.|\.|::|->)\s*", receiver.strip()) if p]
    if not parts:
        return Counter()
    chain = r"[ \t]*(?:\?\.|\.)[ \t]*".join(parts)
    pattern = re.compile(rf"(?<![\w$.]){chain}[ \t]*(?:\?\.|\.|::|->)[ \t]*{_NAME}")
    uses: Counter[str] = Counter()
    for match in pattern.finditer(text):
        if match.start(1) <= offset <= match.end(1):
            continue
        uses[match.group(1)] += 3 if abs(match.start() - offset) <= NEAR_CHARS else 1
    return uses


_PIECES = (
    "this", "ctx", "this.ctx", "self", "a", ".", "?.", "::", "->", " ", "\t", "\n", "run",
    "get", "$x", "_", "(", ")", "x.this", "thisctx", "this . ctx .",
)  # fmt: skip


def test_a_receivers_member_uses_are_counted_as_the_whole_text_scan_counted_them() -> None:
    rng = random.Random(3)
    for _ in range(4_000):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randrange(1, 30)))
        offset = rng.randrange(len(text) + 1)
        for receiver in ("this", "this.ctx", "ctx", " this . ctx ", ".ctx"):
            expected = _reference_uses(text, offset, receiver)
            assert receiver_uses(text, offset, receiver) == expected, (text, receiver)
