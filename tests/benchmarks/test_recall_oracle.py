"""The recall oracle's Python standard-library namesakes, on the `py_namesakes` fixture
(a `clock` package whose `Parts` has a `day` and a `flush`, as `datetime` and the `io`
classes do) and the running interpreter's own standard library:

- the names are read from the real standard library: `date.day` from its source, a
  socket's `recv` from its compiled module, never a name only the package defines;
- `dt.day` on a parameter annotated `datetime.datetime`, `self.moment.day` where
  `__init__` stores such a parameter, and `anything.day` on an untyped one are no holes;
- `self.day` in a subclass of `Parts`, `self.parts.flush()` on an attribute assigned
  from a `Parts` parameter and `parts.day` on a `"Parts | None"` parameter still are;
- a name no standard-library class defines (`moon_phase`) counts whatever its receiver;
- a header that fillin renders on one line still holds its source line's words.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks import bench_recall, std_members
from context.retrieval.outline import one_line
from context.workspace import Workspace


@pytest.fixture
def isolated_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The computed name lists go to the test's own folder, not the checkout's `.bench`."""
    monkeypatch.setattr(std_members, "BENCH", tmp_path / "bench")
    monkeypatch.setattr(bench_recall, "_STD_CACHE", {})


@pytest.mark.usefixtures("isolated_cache")
def test_python_names_come_from_the_running_standard_library() -> None:
    names = std_members.std_members("python")

    assert {"day", "isoweekday", "astimezone", "flush", "recv", "__name__"} <= names
    assert "moon_phase" not in names
    assert not any(n.startswith("_") and not n.startswith("__") for n in names)


@pytest.mark.usefixtures("isolated_cache")
def test_namesakes_count_only_where_the_code_says_the_receiver_is_the_package_class(
    copy_repo: Callable[[str], Path], open_workspace: Callable[[Path], Workspace]
) -> None:
    root = copy_repo("py_namesakes")
    workspace = open_workspace(root)
    workspace.refresh()
    holes = bench_recall.find_holes(workspace.store, root, "python", 1000)
    found = {
        hole.text.split("\n")[hole.line_idx].strip() + "|" + hole.hidden.strip()
        for hole in holes
        if hole.rel_path == "clock/stamp.py" and hole.is_member
    }

    assert found == {
        "return self.|day",
        "self.parts.|flush()",
        "return parts.|day if parts else 0",
        "return anything.|moon_phase",
    }


def test_a_header_rendered_on_one_line_holds_its_source_line() -> None:
    """fillin's outlines put each signature on one line (`one_line`), which squeezes the
    blanks before a trailing comment; the oracle's needle is the source line as written."""
    source = "current_app: Flask = LocalProxy(  # type: ignore[assignment]\n    _cv_app)"
    prompt = "class Flask(App):\n" + one_line(source) + "\n"

    assert bench_recall.missing_needles(prompt, [source.split("\n")[0]]) == []
    assert bench_recall.missing_needles(prompt, ["current_app: App ="]) == ["current_app: App ="]
