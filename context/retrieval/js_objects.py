"""JavaScript namespace objects: a constant whose members are assigned one by one.

CommonJS code often builds a module's API on one object, `const webidl = {}` followed by
`webidl.brandCheck = function (V, I) {...}` and `webidl.converters.DOMString = ...`, then
exports it (`module.exports = { webidl }`). The index keeps each assigned function as a
top-level row whose signature starts with the object's name; `assigned_members` finds those
rows for an object's definition, so that a file that imports the object sees the members it
uses, as a module alias's outline would show them.

Guarantees: reads only the defining file's cached rows; returns only members this file
already names through the object (`webidl.brandCheck`), the most named first, at most
`MAX_MEMBERS`; nothing for other languages or for rows that are not constants or variables.
"""

from __future__ import annotations

from context.index.store import SymbolRow
from context.retrieval.bindings import Bindings

MAX_MEMBERS = 12
_JS_FAMILY = frozenset({"javascript", "typescript", "tsx"})
_OBJECT_KINDS = frozenset({"constant", "variable"})


def assigned_members(
    bindings: Bindings, row: SymbolRow, local_name: str, text: str
) -> list[SymbolRow]:
    """The rows of `row`'s file assigned onto the object `row` defines
    (`<name>.member = ...`), that `text` names as `<local_name>.member`, most named first."""
    if row.language not in _JS_FAMILY or row.kind not in _OBJECT_KINDS or row.container:
        return []
    head = row.name + "."
    scored: list[tuple[int, int, SymbolRow]] = []
    for idx, member in enumerate(bindings.definitions_in_file(row.rel_path)):
        signature = member.signature
        if member.container is not None or not signature.startswith(head):
            continue
        path = signature.split("=", 1)[0].strip()[len(head) :]
        n_uses = text.count(f"{local_name}.{path}") if path else 0
        if n_uses:
            scored.append((-n_uses, idx, member))
    return [member for _, _, member in sorted(scored)[:MAX_MEMBERS]]
