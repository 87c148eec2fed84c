"""Python receivers whose type takes reading an annotation's arguments: a field assigned from
a call on an `__init__` parameter, a subscript, a loop over `.items()`, an unpacking.

The table cases run `context.retrieval.python_types` on text; the fixture cases name a line
of the `pytypes` repository with the cursor marked `$0`, remove the rest of the line and
check that the member source offers the expected signature and that it reaches the prompt.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from context.document import Document
from context.prompt.assemble import build_prompt
from context.prompt.templates import TEMPLATES
from context.retrieval.python_types import (
    declared_annotation,
    iterated,
    last_assignment,
    narrowed_type,
    subscripted,
    unpacked,
)
from context.retrieval.retrieve import retrieve_sync
from context.settings import ContextSettings, IndexSettings
from context.workspace import Workspace

CURSOR = "$0"
TEMPLATE = TEMPLATES["qwen2.5-coder"]


@pytest.mark.parametrize(
    ("annotation", "index", "expected"),
    [
        ("list[tuple[Key | None, Item]]", "idx", "tuple[Key | None, Item]"),
        ("tuple[Key | None, Item]", "1", "Item"),
        ("tuple[Key | None, Item]", "-1", "Item"),
        ("tuple[Item, ...]", "3", "Item"),
        ("t.Dict[str, 'Item']", "key", "'Item'"),
        ("Optional[list[Item]]", "0", "Item"),
        ("list[Item] | None", "0", "Item"),
        ("list[Item]", "1:", None),
        ("tuple[A, B]", "5", None),
        ("Item", "0", None),
        ("list[Item", "0", None),
    ],
)
def test_a_subscript_reads_the_containers_arguments(
    annotation: str, index: str, expected: str | None
) -> None:
    assert subscripted(annotation, index) == expected


@pytest.mark.parametrize(
    ("annotation", "method", "expected"),
    [
        ("list[Item]", "", "Item"),
        ("t.Iterator['Extension']", "", "'Extension'"),
        ("dict[str, Item]", "", "str"),
        ("dict[str, Item]", "values", "Item"),
        ("dict[str, Item]", "items", "tuple[str, Item]"),
        ("list[Item]", "items", None),
        ("Item", "", None),
    ],
)
def test_a_loop_takes_the_element_type(annotation: str, method: str, expected: str | None) -> None:
    assert iterated(annotation, method) == expected


def test_unpacking_takes_the_tuples_element_at_the_names_place() -> None:
    assert unpacked("tuple[str, Command | None, list[str]]", 1) == "Command | None"
    assert unpacked("tuple[str, Command]", 2) is None
    assert unpacked("list[Item]", 4) == "Item"


@pytest.mark.parametrize(
    ("signature", "name", "expected"),
    [
        (
            "self._body: list[tuple[Key | None, Item]] = []",
            "_body",
            "list[tuple[Key | None, Item]]",
        ),
        ("def f(self, x: dict[str, A] = {}, y: int) -> None:", "x", "dict[str, A]"),
        ('def f(self, env: "Environment", s: str)', "env", '"Environment"'),
        ("other._body: int = 1", "_body", None),
        ("def f(a, b):", "a", None),
    ],
)
def test_an_annotation_is_read_bracket_by_bracket(
    signature: str, name: str, expected: str | None
) -> None:
    assert declared_annotation(signature, name) == expected


def test_the_last_assignment_names_its_loop_and_unpacked_place() -> None:
    text = "x = a.b\nfor key, x in pairs.items():\n    x."
    found = last_assignment(text, "x")
    assert found is not None
    assert found.is_loop and found.position == 1
    assert [(s.name, s.is_call) for s in found.steps] == [("pairs", False), ("items", True)]
    found = last_assignment("y = self._body[idx][1]\n", "y")
    assert found is not None and found.position is None and not found.is_loop
    assert [s.subscripts for s in found.steps] == [(), ("idx", "1")]
    assert last_assignment("y == 3\n", "y") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("    if isinstance(c, Group):\n        if c.chain:\n            c.", "Group"),
        ("    if x and isinstance(c, (A, B)):\n        c.", "A, B"),
        ("    assert isinstance(c, A)\n    c.", "A"),
        ("    assert isinstance(c, A), (\n        f'not {c}'\n    )\n    if c:\n        c.", "A"),
        ("    if x:\n        assert isinstance(c, A)\n    c.", None),
        ("    if not isinstance(c, A):\n        return False\n\n    if c.", "A"),
        ("    if not isinstance(c, A): return\n    c.", "A"),
        ("    if not isinstance(c, A):\n        raise TypeError\n    for k in c:\n        c.", "A"),
        ("    if not isinstance(c, A):\n        c.", None),
        ("    if not isinstance(c, A):\n        log(c)\n    c.", None),
        ("    if not isinstance(c, A):\n        return\n    else:\n        pass\n    c.", None),
        ("    if x:\n        if not isinstance(c, A):\n            return\n    c.", None),
        ("    if not isinstance(c, A):\n        c.", None),
        ("    if isinstance(c, A):\n        pass\n    c.", None),
        ("    if isinstance(c, A):\n        pass\n    else:\n        c.", None),
        ("    if isinstance(other, A):\n        c.", None),
    ],
)
def test_isinstance_narrows_only_inside_its_block(text: str, expected: str | None) -> None:
    found = narrowed_type(text, "c")
    assert (found[1] if found else None) == expected


@dataclass(frozen=True)
class Case:
    """A cursor after a receiver and the member signature the prompt must show."""

    description: str
    marked_line: str
    expected: str
    path: str = "shop/cart.py"


CASES = [
    Case(
        "field assigned from a method of an __init__ parameter with a string annotation",
        "        return self.fallback.$0weight()",
        "def weight(self) -> int:",
    ),
    Case(
        "subscript of a field assigned from a call returning list[Item]",
        "        return first.$0weight()",
        "def weight(self) -> int:",
    ),
    Case(
        "two subscripts of a field annotated list[tuple[str, Item]]",
        "        return item.$0discounted(10)",
        "def discounted(self, percent: int) -> int:",
    ),
    Case(
        "loop over .items() of a dict[str, Item] parameter",
        "            n += each.$0discounted(len(key))",
        "def discounted(self, percent: int) -> int:",
    ),
    Case(
        "unpacking a function's tuple[str, Item | None]",
        "        return maybe.$0weight() if maybe else len(key)",
        "def weight(self) -> int:",
    ),
    Case(
        "isinstance narrows a parameter annotated object",
        "            return thing.$0weight()",
        "def weight(self) -> int:",
    ),
    Case(
        "a module's name in a return annotation (`->` is no member access)",
        "def fresh(name: str) -> item.$0Item:",
        "class Item:",
        "shop/report.py",
    ),
    Case(
        "an untyped chain's last name bound to a module (`report.item.|`, `from shop import item`)",
        '    return report.item.$0lookup("x")[0]',
        "def lookup(name: str) -> tuple[str, Item | None]:",
        "shop/report.py",
    ),
]


@pytest.fixture(scope="module")
def workspace(fixtures_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    root = tmp_path_factory.mktemp("repos") / "pytypes"
    shutil.copytree(fixtures_dir / "repos" / "pytypes", root)
    opened = Workspace(root, IndexSettings(directory=str(root.parent / "index")))
    opened.refresh()
    yield opened
    opened.close()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.description)
def test_the_receivers_member_reaches_the_prompt(case: Case, workspace: Workspace) -> None:
    path = case.path
    full = workspace.root / path
    text = full.read_text(encoding="utf-8")
    line = case.marked_line.replace(CURSOR, "")
    line_start = text.index(line)
    offset = line_start + case.marked_line.index(CURSOR)
    text = text[:offset] + text[line_start + len(line) :]
    document = Document(full.as_uri(), text, path=full)
    settings = ContextSettings(max_prompt_tokens=2048, retrieval_timeout_ms=2000)
    snippets = retrieve_sync(document, offset, workspace, settings)
    members = [s for s in snippets if s.source == "member"]
    assert any(case.expected in s.text and s.path == "shop/item.py" for s in members)
    assert all(s.path == "shop/item.py" for s in members)
    prompt = build_prompt(document, offset, settings, TEMPLATE, snippets, path=path)
    context = "".join(s.text for s in prompt.sections if s.source not in ("prefix", "suffix"))
    assert case.expected in context


def test_the_definition_source_shows_a_called_members_signature_through_its_receiver(
    workspace: Workspace,
) -> None:
    """`catalog.open_items(|`: the callee's receiver is a parameter, typed only by its
    annotation; the definition source asks the member source's resolver for it."""
    path = "shop/cart.py"
    full = workspace.root / path
    text = full.read_text(encoding="utf-8")
    offset = text.index('catalog.open_items("b")') + len("catalog.open_items(")
    document = Document(full.as_uri(), text, path=full)
    settings = ContextSettings(sources=("definition",), retrieval_timeout_ms=2000)
    snippets = retrieve_sync(document, offset, workspace, settings)
    called = [s for s in snippets if "def open_items(self, prefix: str) -> list[Item]:" in s.text]
    assert called and called[0].path == "shop/catalog.py"
    assert snippets.index(called[0]) == 0


def test_a_modules_names_are_listed_once(workspace: Workspace) -> None:
    """`item.|` with `from shop import item`: the module's names come from the member
    source alone, not again as a definition outline."""
    path = "shop/report.py"
    full = workspace.root / path
    text = full.read_text(encoding="utf-8")
    offset = text.index("item.lookup(name)") + len("item.")
    text = text[:offset] + text[text.index("\n", offset) :]
    document = Document(full.as_uri(), text, path=full)
    snippets = retrieve_sync(
        document, offset, workspace, ContextSettings(retrieval_timeout_ms=2000)
    )
    listing = [s for s in snippets if "def lookup(name: str) -> tuple[str, Item | None]:" in s.text]
    assert [s.source for s in listing] == ["member"]


def test_a_modules_names_used_through_its_alias_come_first(workspace: Workspace) -> None:
    """`gen.|` in a module of 150 functions: `f_120`, used once as `gen.f_120`, comes before
    `f_050`, used as often but through another receiver; both before those never used."""
    functions = "".join(
        f"def f_{idx:03d}(value: int) -> int:\n    return value\n\n\n" for idx in range(150)
    )
    (workspace.root / "shop" / "gen.py").write_text(
        f'"""Many functions."""\n\n\n{functions}', encoding="utf-8"
    )
    text = (
        "from shop import gen\n\n\ndef use(obj: object) -> int:\n"
        "    obj.f_050(1)\n    gen.f_120(1)\n    return gen.\n"
    )
    full = workspace.root / "shop" / "use_gen.py"
    full.write_text(text, encoding="utf-8")
    workspace.refresh()
    offset = text.index("return gen.") + len("return gen.")
    document = Document(full.as_uri(), text, path=full)
    snippets = retrieve_sync(
        document, offset, workspace, ContextSettings(retrieval_timeout_ms=2000)
    )
    listing = next(s for s in snippets if s.source == "member" and s.path == "shop/gen.py")
    names = [line.split("(")[0].removeprefix("def ") for line in listing.text.splitlines()]
    assert names[:2] == ["f_120", "f_050"]
    assert len(names) > 100
