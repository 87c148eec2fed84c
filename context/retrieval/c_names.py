"""The names a C or C++ file uses from other files, nearest the cursor first.

A C file imports no names one by one: `#include "types.h"` makes every name of the header,
and of the headers it includes, visible. What a Python file's `from x import a, b` lists, a
C file says by using the names: the types of its declarations (`git_repository *repo`), the
functions and macros it calls. So the names used around the cursor (comments, strings and
members after `.`/`->` aside) that resolve to a definition in another file (through the
includes, else by `Bindings`' workspace-wide guess) stand in for the imported names: the
code about to be written uses the same types and functions as the code around it.

Guarantees: at most `MAX_NAMES` names are looked up, in one query for those no include
explains (`Bindings.prefetch`); only the `WINDOW_BEFORE_CHARS` before and the
`WINDOW_AFTER_CHARS` after the cursor are read; rows come nearest use first, without
repeats, none from the file itself; other languages get nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from context.index.store import SymbolRow
from context.retrieval.bindings import Bindings
from context.retrieval.focus import KEYWORDS

WINDOW_BEFORE_CHARS = 6_000
WINDOW_AFTER_CHARS = 3_000
MAX_NAMES = 60

_LANGUAGES = frozenset({"c", "cpp"})
_COMMENT_OR_STRING = re.compile(r'/\*.*?(?:\*/|$)|//[^\n]*|"(?:\\.|[^"\\\n])*"?', re.S)
_NAME = re.compile(r"(?<![\w$.])(?<!->)[A-Za-z_][A-Za-z0-9_]*")


def used_rows(
    bindings: Bindings,
    text_before_cursor: str,
    text_after_cursor: str,
    *,
    is_expired: Callable[[], bool] = lambda: False,
) -> list[SymbolRow]:
    """The other files' definitions of the names used near the cursor, nearest first."""
    if bindings.language not in _LANGUAGES:
        return []
    names = nearest_names(text_before_cursor, text_after_cursor)
    bindings.prefetch(names)
    rows: list[SymbolRow] = []
    for name in names:
        if is_expired():
            break
        rows.extend(row for row in bindings.resolve(name)[:1] if row.rel_path != bindings.path)
    return rows


def nearest_names(text_before_cursor: str, text_after_cursor: str) -> list[str]:
    """Up to `MAX_NAMES` names used in the window around the cursor, nearest first."""
    before = _code(text_before_cursor[-WINDOW_BEFORE_CHARS:])
    after = _code(text_after_cursor[:WINDOW_AFTER_CHARS])
    distance: dict[str, int] = {}
    for match in _NAME.finditer(before):
        distance[match.group(0)] = len(before) - match.start()
    for match in _NAME.finditer(after):
        name = match.group(0)
        distance[name] = min(distance.get(name, match.start()), match.start())
    names = [n for n in distance if n not in KEYWORDS and len(n) > 1]
    return sorted(names, key=lambda n: distance[n])[:MAX_NAMES]


def _code(text: str) -> str:
    """`text` with comments and string literals blanked (line breaks kept)."""
    return _COMMENT_OR_STRING.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
