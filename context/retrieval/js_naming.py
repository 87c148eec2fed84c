"""JavaScript and TypeScript instances named after their class: `perMessageDeflate`.

Untyped JavaScript often holds an instance in a variable named after its class, in camel
case: `const perMessageDeflate = this._extensions[PerMessageDeflate.extensionName]`, `sender`
for a `Sender`, `websocket` for a `WebSocket`. No declaration states the type, yet the name
does, when the file itself binds a class of that name (it imports or requires it, defines
it, or imports it for its doc comments: `@typedef {import("./option.js").Option} Option`).
`class_named_like` finds that class, the guess a reader makes.

Guarantees: answers only for the JavaScript family; considers only classes and constructor
functions that this file binds by exactly the receiver's name, ignoring case (never a
namesake elsewhere in the workspace); never answers for the class's own name (`Sender.` is
the class itself, resolved before this guess).
"""

from __future__ import annotations

from context.index.store import SymbolRow
from context.retrieval.bindings import Bindings
from context.retrieval.commonjs import is_constructor, required_constructor
from context.retrieval.jsdoc import jsdoc_types
from context.retrieval.named_members import JS_FAMILY


def class_named_like(bindings: Bindings, name: str, text: str = "") -> SymbolRow | None:
    """The class that this file (whose text is `text`) binds under `name` in another case
    (`sender` -> `Sender`), or None."""
    if bindings.language not in JS_FAMILY or not name[:1].islower():
        return None
    folded = name.casefold()
    local = [r.name for r in bindings.definitions_in_file(bindings.path) if r.container is None]
    for candidate in (*bindings.names, *bindings.modules, *local):
        if candidate == name or candidate.casefold() != folded:
            continue
        found = required_constructor(bindings, candidate)
        if found is not None:
            return found
        for row in bindings.resolve(candidate):
            if is_constructor(bindings, row):
                return row
    if "@typedef" in text:
        typedefs = jsdoc_types(bindings, text, name[0].upper() + name[1:])
        if typedefs:
            return typedefs[0]
    return None
