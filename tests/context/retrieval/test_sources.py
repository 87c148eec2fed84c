"""The retrieval parts on their own: the cursor's focus, similar windows, rank fusion, outlines.

Cases are data tables run through one helper each; the cursor is marked `$0`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from context.index.store import SymbolRow
from context.retrieval.focus import find_focus
from context.retrieval.fusion import fuse
from context.retrieval.outline import one_line, render_definition, render_signature_list
from context.retrieval.similar import Candidate, query_tokens, similar_windows
from context.snippet import Snippet

CURSOR = "$0"


@dataclass(frozen=True)
class FocusCase:
    """Code around a cursor and what the focus must say about it."""

    description: str
    code: str
    callee: str | None = None
    callee_receiver: str | None = None
    receiver: str | None = None
    member: str | None = None
    first: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    is_hash_comment: bool = True


FOCUS_CASES = [
    FocusCase(
        "a call's arguments",
        "total = pricing.apply(cart, $0",
        "apply",
        "pricing",
        first=("apply", "pricing", "cart"),
    ),
    FocusCase(
        "a member access", "x = 1\nitems = cart.$0", receiver="cart", first=("cart", "items")
    ),
    FocusCase("a member half typed", "cart.ad$0", receiver="cart", member="ad"),
    FocusCase("Rust paths", "let s = store::Store::$0", receiver="Store", first=("Store", "store")),
    FocusCase("C++ arrows", "node->$0", receiver="node"),
    FocusCase("a closed call is not enclosing", "run(a)\nvalue = $0", first=("value", "run")),
    FocusCase("strings are not code", "x = 'hidden_name(' + $0", absent=("hidden_name",)),
    FocusCase(
        "a window starting inside a docstring",
        '    more text."""\n    db = sqlite_utils.$0',
        receiver="sqlite_utils",
    ),
    FocusCase("comments are not code", "# commented_name(\ny = $0", absent=("commented_name",)),
    FocusCase(
        "C keeps # as code", '#include "vec.h"\nvec_push($0', "vec_push", is_hash_comment=False
    ),
    FocusCase(
        "keywords are dropped",
        "if value is None:\n    return $0",
        first=("value",),
        absent=("return", "None", "if"),
    ),
    FocusCase("the lines after the cursor count", "y = $0\nhelper(y)", first=("helper",)),
    FocusCase("a generic call", "const m = new Map<string, User>($0", "Map"),
]


@pytest.mark.parametrize("case", FOCUS_CASES, ids=lambda c: c.description)
def test_focus(case: FocusCase) -> None:
    offset = case.code.index(CURSOR)
    focus = find_focus(case.code.replace(CURSOR, ""), offset, is_hash_comment=case.is_hash_comment)
    assert (focus.callee, focus.callee_receiver) == (case.callee, case.callee_receiver)
    assert (focus.receiver, focus.member) == (case.receiver, case.member)
    assert focus.identifiers[: len(case.first)] == case.first
    assert not set(case.absent) & set(focus.identifiers)
    assert len(set(focus.identifiers)) == len(focus.identifiers)


def test_focus_reads_only_lines_near_the_cursor() -> None:
    far = "far_away_name = 1\n" + "pass\n" * 40
    focus = find_focus(far + "x = ", len(far) + 4)
    assert "far_away_name" not in focus.identifiers


SIMILAR_FILE = "".join(f"def unrelated_{i}(a):\n    return a * {i}\n" for i in range(30)) + (
    "def load_orders(session, customer_id):\n"
    "    query = session.query(Order).filter(Order.customer_id == customer_id)\n"
    "    return query.order_by(Order.created_at).all()\n"
)


def test_the_most_similar_window_comes_first_and_holds_whole_lines() -> None:
    query = query_tokens("def load_invoices(session, customer_id):\n    query = session.query(")
    other = Candidate("b.py", "print('nothing in common here')\n")
    found = similar_windows(query, [Candidate("a.py", SIMILAR_FILE), other], limit=3)
    assert found and found[0].path == "a.py"
    assert "def load_orders(session, customer_id):" in found[0].text
    lines = SIMILAR_FILE.split("\n")
    assert found[0].text == "\n".join(lines[found[0].start_line : found[0].end_line + 1]) + "\n"
    assert all(s.path != "b.py" for s in found)


def test_similar_search_stops_when_told() -> None:
    query = query_tokens("session customer_id query")
    found = similar_windows(
        query, [Candidate("a.py", SIMILAR_FILE)], limit=3, is_expired=lambda: True
    )
    assert found == []


def _snippet(source: str, path: str, line: int = 0) -> Snippet:
    return Snippet(source, path, line, line, f"{path}\n")


def test_fusion_ranks_by_weighted_reciprocal_rank() -> None:
    ranked = {
        "definition": [_snippet("definition", "a.py"), _snippet("definition", "b.py")],
        "similar": [_snippet("similar", "c.py"), _snippet("similar", "a.py")],
    }
    fused = fuse(ranked, {"definition": 1.0, "similar": 0.5})
    assert [s.path for s in fused] == ["a.py", "b.py", "c.py"]
    assert fused[0].source == "definition"
    assert fused[0].score > fused[1].score > fused[2].score


def _row(
    name: str, kind: str, signature: str, container: str | None = None, language: str = "python"
) -> SymbolRow:
    return SymbolRow(
        name, kind, container, Path("/r/m.py"), "m.py", language, 3, 9, signature, None
    )


@dataclass(frozen=True)
class OutlineCase:
    """A definition, its members or container, and its expected rendering."""

    description: str
    row: SymbolRow
    members: tuple[SymbolRow, ...]
    container: SymbolRow | None
    expected: str


OUTLINE_CASES = [
    OutlineCase(
        "a function is its signature",
        _row("f", "function", "def f(a: int) -> int:"),
        (),
        None,
        "def f(a: int) -> int:\n",
    ),
    OutlineCase(
        "a class is its outline",
        _row("Cart", "class", "@dataclass\nclass Cart:"),
        (
            _row("owner", "field", "owner: str", "Cart"),
            _row("add", "method", "def add(\n    self,\n    item: Item,\n) -> None:", "Cart"),
        ),
        None,
        "@dataclass\nclass Cart:\n    owner: str\n    def add(self, item: Item) -> None:\n",
    ),
    OutlineCase(
        "a brace language closes its outline",
        _row("Cart", "class", "export class Cart", language="typescript"),
        (_row("add", "method", "add(item: Item): void", "Cart", "typescript"),),
        None,
        "export class Cart {\n    add(item: Item): void\n}\n",
    ),
    OutlineCase(
        "a method stands under its class",
        _row("add", "method", "def add(self) -> None:", "Cart"),
        (),
        _row("Cart", "class", "class Cart:"),
        "class Cart:\n    def add(self) -> None:\n",
    ),
]


@pytest.mark.parametrize("case", OUTLINE_CASES, ids=lambda c: c.description)
def test_outline(case: OutlineCase) -> None:
    snippet = render_definition(case.row, case.members, case.container, "definition")
    assert snippet.text == case.expected
    assert (snippet.path, snippet.start_line, snippet.end_line) == ("m.py", 3, 9)


def test_signature_lists_keep_the_given_order_on_one_line_each() -> None:
    rows = [_row("b", "function", "def b(\n    x,\n):"), _row("a", "constant", "A = 1")]
    assert render_signature_list(rows, "definition").text == "def b(x):\nA = 1\n"
    assert one_line("x = " + "y" * 300).endswith(" ...")
    assert len(one_line("x = " + "y" * 300)) <= 160
