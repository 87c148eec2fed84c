"""C and C++ macros that a header uses as decorations, blanked out before parsing.

Library headers wrap their declarations in macros that the preprocessor defines away or
expands to their argument: `GIT_EXTERN(int) git_repository_open(...)`, a line of its own
such as `SODIUM_EXPORT` or `GIT_BEGIN_DECL` before a declaration, `JSON_HEDLEY_NON_NULL(1)`
before a function. tree-sitter does not run the preprocessor, so it reads such a macro as
a type or a call and the declaration after it comes out broken or misnamed. This module
rewrites those macros in the bytes handed to the parser, and only there:

- a line holding nothing but an upper-case, underscored name (`GIT_BEGIN_DECL`), or such a
  macro's call (`JSON_HEDLEY_NON_NULL(2)` on the line before a function), when the
  code line before it ends a declaration or a statement (`;`, `}`, `:`, a preprocessor
  line, the file's start), so an enum's last constant (`A,` then `B`) is left alone;
- `NAME(args)` at the start of a line followed by a declaration with its own type: the
  whole call is blanked (`JSON_HEDLEY_NON_NULL(1) static bool f(`); followed by a name
  alone, the arguments are the type (`GIT_EXTERN(int) f(` parses as `int f(`);
- `NAME` at the start of a line followed by a declaration with its own type and name
  (`SODIUM_EXPORT_WEAK int f(`).

Guarantees: the result has exactly the length of the input, byte for byte, and keeps every
line break, so every node's offsets and points read the original text (signatures show
`GIT_EXTERN(int) f(...)` as written); the rewrite depends only on each line and the code
line before it (`edited_span` says how far an edit's effect reaches); other languages'
bytes are returned unchanged.
"""

from __future__ import annotations

import re

_NAME = rb"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+"
_LONE = re.compile(rb"^[ \t]*(" + _NAME + rb"(?:[ \t]*\([^()\n]*\))?)[ \t]*\r?$", re.M)
_CALL = re.compile(rb"^[ \t]*(" + _NAME + rb")[ \t]*\(([^()\n]*)\)[ \t]+(?=[A-Za-z_])", re.M)
_DECLARATION = rb"[A-Za-z_][\w:<>, \t]*?[\w>][ \t*&]+[*&]*[A-Za-z_]\w*[ \t]*[(;=\[]"
"""A declaration with its own type and name: `static bool f(`, `int x;`, `const T *p =`."""
_DECLARATION_NEXT = re.compile(_DECLARATION)
_PREFIX = re.compile(rb"^[ \t]*(" + _NAME + rb")[ \t]+(?=" + _DECLARATION + rb")", re.M)
_ENDS_DECLARATION = (b";", b"}", b":")
_QUICK = re.compile(_NAME)


def is_rewritten(language: str) -> bool:
    """Whether `language`'s sources go through `parse_source` (C and C++)."""
    return language in ("c", "cpp")


def parse_source(source: bytes) -> bytes:
    """`source` with its decorating macros blanked (see the module docstring), same length."""
    if _QUICK.search(source) is None:
        return source
    out = bytearray(source)
    for match in _CALL.finditer(source):
        end = match.end()
        name_start = match.start(1)
        if _DECLARATION_NEXT.match(source, end):
            # A declaration with its own type follows: the macro is an attribute.
            out[name_start:end] = b" " * (end - name_start)
        else:
            # The arguments are the type (`GIT_EXTERN(int) f(`, `STACK_OF(X509) certs;`):
            # moved to where the macro's name began, so the declaration starts where the
            # line does and its text reads as written.
            out[name_start:end] = match.group(2).strip().ljust(end - name_start)
    for match in _PREFIX.finditer(source):
        out[match.start(1) : match.end(1)] = b" " * (match.end(1) - match.start(1))
    for match in _LONE.finditer(source):
        if _follows_declaration(source, match.start()):
            out[match.start(1) : match.end(1)] = b" " * (match.end(1) - match.start(1))
    return bytes(out)


def edited_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The character range whose rewrite may change when `text[start:end]` was just edited:
    the edited lines and the next code line after them, whose rewrite depends on the line
    before it."""
    line_start = text.rfind("\n", 0, start) + 1
    at = text.find("\n", end)
    while at >= 0:
        following = text.find("\n", at + 1)
        line = text[at + 1 : following if following >= 0 else len(text)].strip()
        at = following
        if line and not _is_comment(line.encode()):
            break
    return line_start, at if at >= 0 else len(text)


def _follows_declaration(source: bytes, line_start: int) -> bool:
    """Whether the code line before the one at `line_start` ends a declaration or a
    statement, or is a preprocessor line, or there is none (comments and blank lines are
    skipped; a line continued with `\\` is a macro's body, never a declaration's end)."""
    end = line_start - 1
    while end > 0:
        start = source.rfind(b"\n", 0, end) + 1
        line = source[start:end].strip()
        if line.endswith(b"*/"):
            # A block comment's lines need not start with `*`: go on before it opens.
            opened = source.rfind(b"/*", 0, end)
            end = source.rfind(b"\n", 0, opened) if opened >= 0 else start - 1
            continue
        end = start - 1
        if not line or _is_comment(line):
            continue
        if line.endswith(b"\\"):
            return False
        return line.startswith(b"#") or line.endswith(_ENDS_DECLARATION)
    return True


def _is_comment(line: bytes) -> bool:
    return line.startswith((b"//", b"/*", b"*")) or line.endswith(b"*/")
