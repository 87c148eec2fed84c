"""Retrieval source "scope": the types that the code around the cursor works with.

The enclosing function's parameter and return types, the enclosing class's own outline and
the types of its fields and bases: the names that code inside this scope will reach for
(`self.cart.|`, `order.|`). Enclosing definitions come from the index rows of the current
file (kept fresh for open documents), so no parse is needed here.

Guarantees: only types (classes, structs, interfaces, traits, enums, type aliases) are
returned, as outlines; `is_expired` is checked between names.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from context.index.store import SymbolRow
from context.retrieval.bindings import Bindings
from context.retrieval.definitions import render_rows
from context.retrieval.focus import KEYWORDS
from context.retrieval.outline import TYPE_KINDS
from context.snippet import Snippet

_FUNCTION_KINDS = frozenset({"function", "method", "constructor"})
_FIELD_KINDS = frozenset({"field", "constant", "variable"})
_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


def scope_snippets(
    bindings: Bindings,
    cursor_line: int,
    *,
    limit: int,
    is_reaching_into_self: bool = False,
    is_expired: Callable[[], bool] = lambda: False,
) -> list[Snippet]:
    """Up to `limit` outlines of the types in scope at `cursor_line` of the bindings' file.

    The enclosing class's own outline comes first when the cursor reaches into it
    (`self.|`, `this.|`); otherwise its text around the cursor says enough about it.
    """
    rows = bindings.definitions_in_file(bindings.path)
    function = _innermost(rows, cursor_line, _FUNCTION_KINDS)
    owner = _innermost(rows, cursor_line, TYPE_KINDS)
    if owner is None and function is not None and function.container:
        owner = next((r for r in rows if r.name == function.container), None)

    types: list[str] = []
    snippets: list[Snippet] = []
    if function is not None:
        types.extend(_type_names(function.signature, function.name))
    if owner is not None:
        if is_reaching_into_self:
            snippets.extend(render_rows(bindings, [owner]))
        types.extend(_type_names(owner.signature, owner.name))
        for row in rows:
            if row.container == owner.name and row.kind in _FIELD_KINDS:
                types.extend(_type_names(row.signature, row.name))

    seen = {owner.name} if owner is not None else set()
    for name in types:
        if is_expired() or len(snippets) >= limit:
            break
        if name in seen:
            continue
        seen.add(name)
        snippets.extend(render_rows(bindings, bindings.resolve_type(name)[:1]))
    return snippets[:limit]


def _innermost(rows: list[SymbolRow], line_idx: int, kinds: frozenset[str]) -> SymbolRow | None:
    """The definition of one of `kinds` that encloses `line_idx` most closely."""
    enclosing = [
        r for r in rows if r.kind in kinds and r.start_line_idx <= line_idx <= r.end_line_idx
    ]
    return max(enclosing, key=lambda r: r.start_line_idx, default=None)


def _type_names(signature: str, own_name: str) -> list[str]:
    """The identifiers of a signature that may name types, in order, without its own name."""
    names = []
    for name in _IDENTIFIER.findall(signature):
        if name != own_name and name not in KEYWORDS and name not in names:
            names.append(name)
    return names
