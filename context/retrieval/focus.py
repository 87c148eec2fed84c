"""What the code at the cursor is about: the identifiers it uses, the call it is in, the member
it reaches for.

`find_focus` reads a few lines either side of the cursor with a small lexer (comments and
string literals blanked out, keywords dropped) rather than a parse, so it costs microseconds
and works on the broken code that the user is in the middle of typing.

Guarantees: never raises; identifiers come nearest-first and without repeats; only the
`FOCUS_LINES_BEFORE` lines before and `FOCUS_LINES_AFTER` lines after the cursor are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FOCUS_LINES_BEFORE = 12
FOCUS_LINES_AFTER = 4
MAX_IDENTIFIERS = 32
SELF_NAMES = frozenset({"self", "this", "cls", "Self"})
"""Receivers that name the enclosing class's own instance or type."""

_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_FREE_IDENTIFIER = re.compile(r"(?<![\w$.])(?<!->)[A-Za-z_$][A-Za-z0-9_$]*")
# Strings and comments, one line at a time: the window around the cursor may start inside
# a docstring or block comment, and a pattern spanning lines would then take the closing
# quote for an opening one and blank out the cursor's own line.
_STRING_OR_COMMENT = re.compile(
    r'"(?:\\.|[^"\\\n])*"?|\'(?:\\.|[^\'\\\n])*\'?|`(?:\\.|[^`\\\n])*`?'
    r"|/\*.*?(?:\*/|$)|//[^\n]*",
    re.MULTILINE,
)
_HASH_COMMENT = re.compile(r"#[^\n]*")
# Both patterns are tried only where an identifier starts (the leftmost match always
# starts there): tried at every character, a long word costs time quadratic in its length.
# A callee chain can still span the whole text before the parenthesis, so its search
# looks at the last `_CALLEE_CHARS` characters only.
_CALLEE = re.compile(
    r"(?<![\w$])((?:[A-Za-z_$][\w$]*\s*(?:\.|::|->)\s*)*)([A-Za-z_$][\w$]*)\s*(?:<[^<>()]*>)?\s*$"
)
_CALLEE_CHARS = 400
_MEMBER_AT_CURSOR = re.compile(
    r"(?<![\w$])([A-Za-z_$][\w$]*)\s*(?:\.|::|->)\s*([A-Za-z_$][\w$]*)?$"
)

# Words that are never worth looking up: keywords and the most common builtins of the
# supported languages. A miss costs little, so the list only holds the frequent ones.
_KEYWORD_TEXT = """
    False None True and as assert async await break class continue def del elif else except
    finally for from global if import in is lambda nonlocal not or pass raise return try while
    with yield self cls print len str int float bool list dict set tuple object type super
    isinstance range enumerate zip map filter sorted min max sum any all open repr
    abstract boolean byte case catch char const debugger default delete do double enum export
    extends final function goto implements instanceof interface let long native new null
    package private protected public short static switch synchronized this throw throws
    transient typeof var void volatile undefined true false string number any unknown never
    readonly keyof declare namespace module require console
    chan defer fallthrough func go map range select struct make append cap nil error byte rune
    crate dyn extern fn impl loop match mod move mut pub ref Self static trait unsafe use where
    Some Ok Err Vec Box Option Result String usize isize u8 u16 u32 u64 i8 i16 i32 i64 f32 f64
    auto register signed sizeof typedef union unsigned include define ifdef ifndef endif
    nullptr template typename using virtual override std size_t
"""
KEYWORDS = frozenset(_KEYWORD_TEXT.split())


@dataclass(frozen=True)
class Focus:
    """The names around the cursor worth resolving, most telling first.

    `callee` is the function or method whose call's arguments the cursor is in, with its
    `callee_receiver` (`cart` in `cart.add(|`); `receiver` is the name before a `.`, `::` or
    `->` right at the cursor (`cart` in `cart.|` or `cart.ad|`), and `member` the part of
    the member name already typed. `callee_end` is the character offset just after the
    callee's name in the text (where `cart.add` ends), when there is a callee.
    """

    identifiers: tuple[str, ...]
    callee: str | None = None
    callee_receiver: str | None = None
    receiver: str | None = None
    member: str | None = None
    callee_end: int | None = None


def find_focus(text: str, offset: int, *, is_hash_comment: bool = False) -> Focus:
    """The focus of a cursor at character `offset` of `text`.

    `is_hash_comment` says that `#` starts a comment (Python); elsewhere it is code
    (C's `#include`, private fields).
    """
    start = _nth_line_start_before(text, offset, FOCUS_LINES_BEFORE)
    end = _nth_line_end_after(text, offset, FOCUS_LINES_AFTER)
    before = _blank(text[start:offset], is_hash_comment)
    after = _blank(text[offset:end], is_hash_comment)

    receiver = member = None
    cursor_line = before[before.rfind("\n") + 1 :]
    at_cursor = _MEMBER_AT_CURSOR.search(cursor_line)
    if at_cursor is not None:
        receiver, member = at_cursor.group(1), at_cursor.group(2)

    callee = callee_receiver = callee_end = None
    open_paren = _unclosed_paren(before)
    if open_paren is not None:
        called = _CALLEE.search(before, max(0, open_paren - _CALLEE_CHARS), open_paren)
        if called is not None and called.group(2) not in KEYWORDS:
            callee = called.group(2)
            chain = _IDENTIFIER.findall(called.group(1))
            callee_receiver = chain[-1] if chain else None
            # Blanking keeps every character's place, so this is an offset of `text`.
            callee_end = start + called.end(2)

    ranked: list[str] = []
    for name in (callee, callee_receiver, receiver):
        if name:
            ranked.append(name)
    # Nearest first: the cursor line backwards, then the lines after the cursor. Members
    # (`x.name`, `p->name`) are left out: they are no names of their own scope.
    for line in reversed(before.split("\n")):
        ranked.extend(reversed(_FREE_IDENTIFIER.findall(line)))
    ranked.extend(_FREE_IDENTIFIER.findall(after))
    seen: dict[str, None] = {}
    for name in ranked:
        if name not in KEYWORDS and len(name) > 1 and name not in seen:
            seen[name] = None
            if len(seen) >= MAX_IDENTIFIERS:
                break
    return Focus(tuple(seen), callee, callee_receiver, receiver, member, callee_end)


def _blank(text: str, is_hash_comment: bool) -> str:
    """`text` with string literals and comments replaced by spaces (line breaks kept)."""

    def spaces(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))

    text = _STRING_OR_COMMENT.sub(spaces, text)
    return _HASH_COMMENT.sub(spaces, text) if is_hash_comment else text


def _unclosed_paren(text: str) -> int | None:
    """The index of the innermost `(` in `text` that is not closed before its end."""
    depth = 0
    for idx in range(len(text) - 1, -1, -1):
        ch = text[idx]
        if ch == ")":
            depth += 1
        elif ch == "(":
            if depth == 0:
                return idx
            depth -= 1
        elif ch in "{};" and depth == 0:
            return None
    return None


def _nth_line_start_before(text: str, offset: int, n_lines: int) -> int:
    start = offset
    for _ in range(n_lines + 1):
        start = text.rfind("\n", 0, start)
        if start == -1:
            return 0
    return start + 1


def _nth_line_end_after(text: str, offset: int, n_lines: int) -> int:
    end = offset
    for _ in range(n_lines + 1):
        end = text.find("\n", end + 1)
        if end == -1:
            return len(text)
    return end
