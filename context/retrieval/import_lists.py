"""The names a JavaScript or TypeScript import list at the cursor can still bring in.

Inside `const { a, b, | } = require('./symbols')` or `import { a, | } from "./api.js"`, the
code about to be written is one more name of that module, one the list does not hold yet,
and most likely one that the rest of the file already uses (the import is being completed
for it). `import_list_snippets` lists the module's top-level definitions that way: those the
file uses outside the list first, then in source order.

Guarantees: never raises on any text; looks at most `MAX_SCAN_CHARS` around the cursor; one
import resolution and the module file's cached rows; nothing outside such a list, for
other languages, or for a module outside the workspace.
"""

from __future__ import annotations

import re

from context.imports.resolve import resolve_import
from context.index.store import SymbolRow
from context.retrieval.bindings import Bindings
from context.retrieval.named_members import JS_FAMILY
from context.retrieval.outline import render_signature_list
from context.snippet import Snippet

MAX_SCAN_CHARS = 4_000
"""How far before and after the cursor the list's braces are looked for."""
MAX_NAMES = 40

_BEFORE_LIST = re.compile(
    r"(?:\b(?:const|let|var)|\bimport\s+(?:type\s+)?(?:[A-Za-z_$][\w$]*\s*,\s*)?)\s*$"
)
_AFTER_LIST = re.compile(r"""^\s*(?:=\s*require\s*\(\s*|from\s*)["']([^"'\n]+)["']""")
_NAME = re.compile(r"[A-Za-z_$][\w$]*")


def import_list_snippets(bindings: Bindings, text: str, offset: int) -> list[Snippet]:
    """The module's names that the import list around `offset` does not hold yet, the
    ones `text` uses elsewhere first; empty when the cursor is in no import list."""
    if bindings.language not in JS_FAMILY:
        return []
    found = _enclosing_list(text, offset)
    if found is None:
        return []
    opening, closing, module = found
    listed = set(_NAME.findall(text[opening + 1 : closing]))
    paths = resolve_import(bindings.store.root, bindings.path, module, bindings.language).paths
    rest = text[:opening] + text[closing:]
    scored: list[tuple[int, int, SymbolRow]] = []
    for path in paths[:1]:
        for idx, row in enumerate(bindings.definitions_in_file(path)):
            if row.container is not None or row.name in listed:
                continue
            n_uses = len(re.findall(rf"(?<![\w$.]){re.escape(row.name)}(?![\w$])", rest))
            scored.append((-n_uses, idx, row))
    rows = [row for _, _, row in sorted(scored)[:MAX_NAMES]]
    return [render_signature_list(rows, "member")] if rows else []


def _enclosing_list(text: str, offset: int) -> tuple[int, int, str] | None:
    """(offset of `{`, offset of `}`, module) of the import list holding `offset`."""
    start = max(0, offset - MAX_SCAN_CHARS)
    opening = text.rfind("{", start, offset)
    if opening < 0 or "}" in text[opening:offset] or ";" in text[opening:offset]:
        return None
    closing = text.find("}", offset, offset + MAX_SCAN_CHARS)
    if closing < 0 or "{" in text[offset:closing] or ";" in text[offset:closing]:
        return None
    if _BEFORE_LIST.search(text[max(0, opening - 200) : opening]) is None:
        return None
    after = _AFTER_LIST.match(text[closing + 1 : closing + 300])
    return (opening, closing, after.group(1)) if after is not None else None
