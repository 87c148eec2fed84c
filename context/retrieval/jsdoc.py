"""Types that JSDoc comments import: `@typedef {import("./command.js").Command} Command`.

A JavaScript file checked by TypeScript (`// @ts-check`, `checkJs`) often imports the types
its doc comments name without a `require`: `@typedef {import("./command.js").Command}
Command` once at the top, then `@param {Command} cmd`, or inline `@param
{import("./option.js").Option} option`. `jsdoc_types` finds the type such a name stands for.

A method's doc comment also says what it returns (`@return {Help}` above `createHelp()`),
which makes `const helper = this.createHelp(); helper.|` a `Help`: `jsdoc_return_type`
reads it.

Guarantees: never raises on any text; reads the file's text, one import resolution and the
defining file's cached rows; returns only type-like rows (classes, interfaces, types).
"""

from __future__ import annotations

import re

from context.imports.resolve import resolve_import
from context.index.store import SymbolRow
from context.retrieval.bindings import Bindings
from context.retrieval.outline import TYPE_KINDS

_IMPORT_TYPE = re.compile(r"""import\(\s*["']([^"'\n]+)["']\s*\)\s*\.\s*([A-Za-z_$][\w$]*)""")
_NAME = re.compile(r"[A-Za-z_$][\w$]*")
_RETURNS = re.compile(r"@returns?\s*\{([^{}\n]+)\}")
DOC_CHARS = 1_500
"""How far before a definition its doc comment is looked for."""


def jsdoc_types(bindings: Bindings, text: str, type_text: str) -> list[SymbolRow]:
    """The types that the doc-comment type `type_text` names in the file `text`: an inline
    `import("./x.js").Name`, or a name that a `@typedef {import(...).Name} Alias` brings."""
    found = _IMPORT_TYPE.search(type_text)
    if found is not None:
        module, name = found.group(1), found.group(2)
    else:
        alias = _NAME.findall(type_text)
        if not alias:
            return []
        typedef = re.search(
            r"@typedef\s*\{\s*"
            + _IMPORT_TYPE.pattern
            + rf"\s*\}}\s*{re.escape(alias[-1])}(?![\w$])",
            text,
        )
        if typedef is None:
            return []
        module, name = typedef.group(1), typedef.group(2)
    paths = resolve_import(bindings.store.root, bindings.path, module, bindings.language).paths
    if not paths:
        return []
    return [row for row in bindings.in_module(name, paths) if row.kind in TYPE_KINDS]


def jsdoc_return_type(text: str, line_offset: int) -> str | None:
    """The type that the doc comment ending just before the line at `line_offset` of
    `text` says the definition there returns (`@return {Help}`), or None."""
    before = text[max(0, line_offset - DOC_CHARS) : line_offset].rstrip()
    if not before.endswith("*/"):
        return None
    opening = before.rfind("/**")
    if opening < 0:
        return None
    found = _RETURNS.findall(before[opening:])
    return found[-1].strip() if found else None
