"""CommonJS modules that export one constructor: `module.exports = PerMessageDeflate`.

`const PerMessageDeflate = require('./permessage-deflate')` binds whatever the module
assigns to `module.exports`, which is often a single class, or an ES5 constructor function
whose members are assigned onto it (`Route.prototype.dispatch = function`). Read as a module
alias, `PerMessageDeflate.` would list the file's top-level names; what the code reaches for
is the class's members (`PerMessageDeflate.extensionName`, a static getter), and
`new Route(path)` makes a `Route`. `required_constructor` finds that definition: a class or
constructor function defined at the top level of the required file under the name the
`require` binds (the convention that names a binding after what it holds).

Guarantees: reads only the index rows of this file's imports and of the required file
(cached per request by `Bindings`); answers only for JavaScript and TypeScript `require`
bindings, never for `import * as x` namespaces; returns None when in doubt.
"""

from __future__ import annotations

from context.index.store import SymbolRow
from context.retrieval.bindings import Bindings
from context.retrieval.named_members import JS_FAMILY
from context.retrieval.outline import TYPE_KINDS
from context.retrieval.rowcache import FILE_ROWS


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
