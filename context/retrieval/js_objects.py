"""JavaScript namespace objects: a constant whose members are assigned one by one.

CommonJS code often builds a module's API on one object, `const webidl = {}` followed by
`webidl.brandCheck = function (V, I) {...}` and `webidl.converters.DOMString = ...`, then
exports it (`module.exports = { webidl }`). The index keeps each assigned function as a
top-level row whose signature starts with the object's name; `assigned_members` finds those
rows for an object's definition, so that a file that imports the object sees the members it
uses, as a module alias's outline would show them.

The same objects stand behind untyped receivers of the same name: express's `application.js`
builds `var app = exports = module.exports = {}` with `app.init = function init()`, and
`express.js`, which requires it, mixes it into its own `app` and calls `app.init()`.
`namesake_object_members` lists the members of an object named like the receiver and
defined at the top level of a file that this file imports.

A class or constructor function is such an object too: its static members assigned after it
(`Base.generateDiff = function`, `Base.consoleLog = consoleLog`, `commonjs.static_members`)
are listed the same way when the file names them (`Base.consoleLog(...)`).

Guarantees: reads only the defining files' cached rows; `assigned_members` returns only
members this file already names through the object (`webidl.brandCheck`), the most named
first, at most `MAX_MEMBERS`; `namesake_object_members` returns those starting with the
typed prefix first, then the most used, then in source order, at most `MAX_MEMBERS`;
nothing for other languages or for rows that are not constants, variables, classes or
constructor functions.
"""

from __future__ import annotations

from context.index.store import SymbolRow
from context.retrieval.bindings import Bindings
from context.retrieval.commonjs import static_members

MAX_MEMBERS = 12
_JS_FAMILY = frozenset({"javascript", "typescript", "tsx"})
_OBJECT_KINDS = frozenset({"constant", "variable"})
_STATIC_OWNER_KINDS = frozenset({"class", "function"})


def assigned_members(
    bindings: Bindings, row: SymbolRow, local_name: str, text: str
) -> list[SymbolRow]:
    """The rows of `row`'s file assigned onto the object `row` defines
    (`<name>.member = ...`), that `text` names as `<local_name>.member`, most named first."""
    if row.language not in _JS_FAMILY or row.container:
        return []
    if row.kind in _STATIC_OWNER_KINDS:
        return _used_statics(bindings, row, local_name, text)
    if row.kind not in _OBJECT_KINDS:
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


def _used_statics(
    bindings: Bindings, row: SymbolRow, local_name: str, text: str
) -> list[SymbolRow]:
    """The static members of the class or constructor `row` that `text` names as
    `<local_name>.member`, most named first."""
    scored = []
    for idx, member in enumerate(static_members(bindings, row)):
        n_uses = text.count(f"{local_name}.{member.name}")
        if n_uses:
            scored.append((-n_uses, idx, member))
    return [member for _, _, member in sorted(scored, key=lambda s: s[:2])[:MAX_MEMBERS]]


def namesake_object_members(
    bindings: Bindings, receiver: str, prefix: str, text: str
) -> list[SymbolRow]:
    """The members assigned onto an object named `receiver` at the top level of a file
    that this file imports: typed `prefix` first, then those `text` uses most."""
    if bindings.language not in _JS_FAMILY:
        return []
    head = receiver + "."
    for path in bindings.imported_paths:
        rows = bindings.definitions_in_file(path)
        if not any(
            r.name == receiver and r.kind in _OBJECT_KINDS and r.container is None for r in rows
        ):
            continue
        scored: list[tuple[bool, int, int, SymbolRow]] = []
        for idx, member in enumerate(rows):
            if member.container is not None or not member.signature.startswith(head):
                continue
            n_uses = text.count(f".{member.name}")
            scored.append((not member.name.startswith(prefix), -n_uses, idx, member))
        if scored:
            return [member for *_, member in sorted(scored, key=lambda s: s[:3])[:MAX_MEMBERS]]
    return []
