"""Python member context from evidence beyond the receiver's own file, on the `py_evidence`
fixture repository (a `term` package whose `Console` has more members than the member
source shows):

- the package's other files calling `.clear_live()` rank it among the shown members where
  the edited file has not used it yet (`retrieval.python_uses`);
- `self` annotated in a function outside any class (a decorator's wrapper) is that type;
- a value wrapped in brackets (`console = (\\n Console.create(120)\\n if wide else None\\n)`)
  has its first branch's type;
- an `@overload`ed method and a property's setter are listed once;
- `name: |` names the type the same name is annotated with in the file or in another
  class's field (`retrieval.python_annotations`);
- a base class of the same name, imported under another, brings its members;
- a parameter narrowed by `if not isinstance(p, T): return` is a `T` past it;
- a chain continued on a line that starts with `.` is followed to the line it began on;
- at `raise |` the imported exceptions lead the definitions (`retrieval.python_raises`);
- a re-import that leads nowhere (`from installed_term.console import Console` under
  `if __name__ == "__main__":`) does not hide the import that found `console.py`.

Each case names a line with the cursor marked `$0`; the rest of the line is removed, as a
user about to type it would have it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from context.document import Document
from context.retrieval.python_annotations import annotated_name
from context.retrieval.python_raises import is_raising
from context.retrieval.retrieve import retrieve_sync
from context.settings import ContextSettings, IndexSettings
from context.snippet import Snippet
from context.workspace import Workspace

CURSOR = "$0"
CLEAR_LIVE = "def clear_live(self) -> None:"


@pytest.fixture(scope="module")
def workspace(fixtures_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    root = tmp_path_factory.mktemp("repos") / "py_evidence"
    shutil.copytree(fixtures_dir / "repos" / "py_evidence", root)
    opened = Workspace(root, IndexSettings(directory=str(root.parent / "index")))
    opened.refresh()
    yield opened
    opened.close()


def snippets_at(
    workspace: Workspace, path: str, marked_line: str, sources: tuple[str, ...] = ("member",)
) -> list[Snippet]:
    """The snippets of `sources` for the cursor of `marked_line` in `path`, the rest of the
    line removed."""
    full = workspace.root / path
    text = full.read_text(encoding="utf-8")
    line = marked_line.replace(CURSOR, "")
    line_start = text.index(line)
    offset = line_start + marked_line.index(CURSOR)
    text = text[:offset] + text[line_start + len(line) :]
    document = Document(full.as_uri(), text, path=full)
    settings = ContextSettings(sources=sources, retrieval_timeout_ms=2000)
    return retrieve_sync(document, offset, workspace, settings)


def test_a_member_the_package_calls_is_shown_where_this_file_has_not_used_it(
    workspace: Workspace,
) -> None:
    members = snippets_at(workspace, "term/live.py", "        self.console.$0clear_live()")
    # The best members, then (the class has more than an outline lists) the next ones.
    assert {s.path for s in members} == {"term/console.py"}
    lines = members[0].text.splitlines()
    assert CLEAR_LIVE in members[0].text
    # The file's own uses still come first; the package's evidence orders the rest.
    assert lines.index(f"    {CLEAR_LIVE}") > lines.index(
        "    def set_live(self, live: object) -> bool:"
    )
    # Members used nowhere are the ones left out: the type has more than are shown; they
    # come last, for the room the prompt leaves.
    assert "def rule(self) -> None:" not in members[0].text
    assert "    def rule(self) -> None:\n" in members[-1].text


def test_overloads_and_a_property_setter_are_one_member_each(workspace: Workspace) -> None:
    members = snippets_at(workspace, "term/live.py", "        self.console.$0clear_live()")
    text = "".join(s.text for s in members)
    # Both are used in the file, so both are shown: once, not once per definition.
    assert text.count("def render(") == 1
    assert text.count("def title(") == 1


def test_an_annotated_self_outside_a_class_is_its_annotation(workspace: Workspace) -> None:
    members = snippets_at(workspace, "term/decorators.py", "        self.$0clear_live()")
    # The best members, then (the class has more than an outline lists) the next ones.
    assert {s.path for s in members} == {"term/console.py"}
    assert CLEAR_LIVE in members[0].text


def test_a_parenthesized_conditional_value_has_its_first_branchs_type(
    workspace: Workspace,
) -> None:
    members = snippets_at(workspace, "term/panel.py", "        console.$0clear_live()")
    # The best members, then (the class has more than an outline lists) the next ones.
    assert {s.path for s in members} == {"term/console.py"}
    assert CLEAR_LIVE in members[0].text


def test_a_reimport_that_leads_nowhere_keeps_the_resolved_class(workspace: Workspace) -> None:
    definitions = snippets_at(
        workspace, "term/demo.py", "    console = $0Console()", sources=("definition",)
    )
    assert any(s.path == "term/console.py" and "class Console:" in s.text for s in definitions)


def test_a_fields_annotation_comes_from_a_field_of_that_name_elsewhere(
    workspace: Workspace,
) -> None:
    """`theme: |` in a file that has not imported `Theme` yet: `Layout` annotates its own
    `theme` with it, resolved through `layout.py`'s imports."""
    definitions = snippets_at(workspace, "term/region.py", "    theme: $0Theme", ("definition",))
    assert definitions and definitions[0].path == "term/theme.py"
    assert "class Theme:" in definitions[0].text


def test_a_parameters_annotation_comes_from_the_same_files_other_annotations(
    workspace: Workspace,
) -> None:
    definitions = snippets_at(
        workspace,
        "term/layout.py",
        "    def paint(self, theme: $0Theme) -> None:",
        ("definition",),
    )
    assert definitions and definitions[0].path == "term/theme.py"
    assert "class Theme:" in definitions[0].text


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("    cookies: ", "cookies"),
        ("    def f(self, request: ", "request"),
        ("        self.raw: Req", "raw"),
        ("    else:", None),
        ("    try:", None),
        ("    key = lambda a, b: ", None),
        ('    d = {"a": ', None),
        ("    if ready:", None),
        ("    x = 3  # note: ", None),
    ],
)
def test_an_annotation_starts_after_a_names_colon(line: str, expected: str | None) -> None:
    assert annotated_name(line) == expected


def test_at_raise_the_imported_exceptions_lead_the_definitions(workspace: Workspace) -> None:
    definitions = snippets_at(
        workspace,
        "term/guard.py",
        '        raise $0LiveError(describe(ValueError(theme.lookup("error"))))',
        ("definition",),
    )
    assert definitions and definitions[0].path == "term/errors.py"
    assert "class LiveError(ConsoleError):" in definitions[0].text


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("        raise ", True),
        ("    except ", True),
        ("    except (KeyError, ", True),
        ("    if broken: raise ", True),
        ("        raise errors.", True),
        ("    x = raise_it(", False),
        ("    except KeyError as e:", False),
        ("        raise Foo(", False),
        ("    excepted = ", False),
    ],
)
def test_raise_and_except_name_an_exception_next(line: str, expected: bool) -> None:
    assert is_raising(line) == expected


def test_a_base_of_the_same_name_imported_under_another_brings_its_members(
    workspace: Workspace,
) -> None:
    """`class Console(_BaseConsole)` with `from .console import Console as _BaseConsole`:
    the base is another class, not the type itself."""
    members = snippets_at(workspace, "term/recording.py", "        self.$0clear_live()")
    assert any(s.path == "term/console.py" and CLEAR_LIVE in s.text for s in members)


def test_a_parameter_narrowed_by_an_early_return_is_the_narrowed_type(
    workspace: Workspace,
) -> None:
    """`display: Theme | Live`, then `if not isinstance(display, Live): return`: past it the
    parameter is a `Live`."""
    members = snippets_at(workspace, "term/guard.py", "    display.$0stop()")
    assert [s.path for s in members] == ["term/live.py"]
    assert "def stop(self) -> None:" in members[0].text


def test_a_chain_continued_on_a_line_that_starts_with_a_dot(workspace: Workspace) -> None:
    """`Console.create(80)` on one line, `.|` on the next: the receiver is the call above."""
    members = snippets_at(workspace, "term/panel.py", "        .$0clear_live()")
    # The best members, then (the class has more than an outline lists) the next ones.
    assert {s.path for s in members} == {"term/console.py"}
    assert CLEAR_LIVE in members[0].text
