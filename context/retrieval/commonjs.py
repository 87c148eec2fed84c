"""CommonJS modules that export one constructor: `module.exports = PerMessageDeflate`.

`const PerMessageDeflate = require('./permessage-deflate')` binds whatever the module
assigns to `module.exports`, which is often a single class, or an ES5 constructor function
whose members are assigned onto it (`Route.prototype.dispatch = function`). Read as a module
alias, `PerMessageDeflate.` would list the file's top-level names; what the code reaches for
is the class's members (`PerMessageDeflate.extensionName`, a static getter), and
`new Route(path)` makes a `Route`. `required_constructor` finds that definition: a class or
constructor function defined at the top level of the required file under the name the
`require` binds (the convention that names a binding after what it holds).

Such a constructor also carries static members assigned after it: `Base.generateDiff =
function (...)` (a top-level row whose signature starts with `Base.`), `Base.consoleLog =
consoleLog`, `SchemaController.buildSchemaController = buildSchemaController`, and, in a
file whose `module.exports` is the constructor, `module.exports.buildReply = buildReply`.
`static_members` lists them, the assigned function or variable's own row for an alias.

Guarantees: reads only the index rows of this file's imports and of the required file
(cached per request by `Bindings`), and for `static_members` the defining file's text once
per content (`FileMemo`); answers only for JavaScript and TypeScript `require` bindings,
never for `import * as x` namespaces; returns None when in doubt.
"""

from __future__ import annotations

import re

from context.index.store import SymbolRow
from context.retrieval.bindings import Bindings
from context.retrieval.named_members import JS_FAMILY
from context.retrieval.outline import TYPE_KINDS
from context.retrieval.rowcache import FILE_ROWS, FileMemo

_NAME = r"[A-Za-z_$][\w$]*"
_STATIC_ALIAS = re.compile(
    rf"^[ \t]*((?:module\.)?exports|{_NAME})\.({_NAME})[ \t]*=[ \t]*({_NAME})[ \t]*;?[ \t]*$",
    re.MULTILINE,
)
_EXPORTED = re.compile(
    rf"^[ \t]*(?:exports[ \t]*=[ \t]*)?module\.exports[ \t]*=[ \t]*(?:exports[ \t]*=[ \t]*)?"
    rf"({_NAME})[ \t]*;?[ \t]*$",
    re.MULTILINE,
)


def _static_aliases(text: str) -> dict[str, tuple[str, ...]]:
    """Object name -> the names assigned onto it as `Object.member = name` in `text`, with
    `module.exports.member = name` counted onto what `module.exports` is."""
    exported = {m.group(1) for m in _EXPORTED.finditer(text)}
    found: dict[str, list[str]] = {}
    for match in _STATIC_ALIAS.finditer(text):
        holder, value = match.group(1), match.group(3)
        for name in exported if holder in ("exports", "module.exports") else (holder,):
            found.setdefault(name, []).append(value)
    return {name: tuple(dict.fromkeys(values)) for name, values in found.items()}


_ALIASES = FileMemo(_static_aliases)


def required_constructor(bindings: Bindings, name: str) -> SymbolRow | None:
    """The class or constructor function that `const name = require(...)` binds in this
    file, or None when `name` is no such binding."""
    if bindings.language not in JS_FAMILY:
        return None
    paths = [
        row.resolved_path
        for row in FILE_ROWS.imports(bindings.store, bindings.path)
        if row.kind == "require" and row.alias == name and row.resolved_path
    ]
    for path in paths[:1]:
        for row in bindings.definitions_in_file(path):
            if row.name == name and row.container is None and is_constructor(bindings, row):
                return row
    return None


def is_constructor(bindings: Bindings, row: SymbolRow) -> bool:
    """Whether `row` makes objects: a class, or a JavaScript function that its file assigns
    members onto (`Route.prototype.dispatch = ...`, `this.path = path` in its body)."""
    if row.kind in TYPE_KINDS:
        return True
    if row.kind != "function" or row.language not in JS_FAMILY:
        return False
    return any(
        member.container == row.name for member in bindings.definitions_in_file(row.rel_path)
    )


def static_members(bindings: Bindings, owner: SymbolRow) -> list[SymbolRow]:
    """The static members a JavaScript class or constructor function's file assigns onto it
    outside its body (`Owner.name = function`, `Owner.name = name`), in source order."""
    if owner.language not in JS_FAMILY or owner.container is not None:
        return []
    rows = bindings.definitions_in_file(owner.rel_path)
    head = owner.name + "."
    assigned = [r for r in rows if r.container is None and r.signature.startswith(head)]
    file = bindings.store.file(owner.rel_path)
    if file is None:
        return assigned
    values = _ALIASES.of(bindings.store, file).get(owner.name, ())
    aliased = [
        r
        for r in rows
        if r.container is None and r.name in values and r.name != owner.name and r not in assigned
    ]
    return sorted(assigned + aliased, key=lambda r: r.start_line_idx)
