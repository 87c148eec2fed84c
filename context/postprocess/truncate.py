"""Whole-text rules for a finished suggestion: block truncation and bracket balancing.

`truncate_to_block` keeps only the part of a multi-line suggestion that completes the block
the cursor is in. The block's extent is read from the code around the cursor: the first
line of the suggestion gives the block's indentation, and the next non-blank line below the
cursor says whether the block goes on after the hole (then the suggestion must not leave
it), closes right after it (then the suggestion must not close it too), or whether the code
resumes further out (then the suggestion may dedent down to that level and no further).
A suggestion whose last line the code after the cursor can follow (an `elif` branch
ending back at the block's depth, `} else {`, a line opening the block the suffix fills)
is kept whole: only a suggestion that would leave the suffix misplaced is cut.

`balance_against_suffix` never emits a closer the text after the cursor already supplies:
in `print(|)` the suggestion `"hi")` becomes `"hi"`; a final line that duplicates the
closing line below the cursor is dropped.

`truncate_to_parse` splices the suggestion into the text around the cursor, parses it with
tree-sitter and, when the suggestion adds syntax errors (a statement cut off by the token
limit, a block left open), keeps its longest run of whole lines that adds none: the part
that completes the current statement or block.

All three only remove text from the end of the suggestion.
"""

from __future__ import annotations

from context.languages import language_for_id
from context.splice import make_splice
from context.syntax_errors import new_syntax_errors

_CLOSERS = ")]}"
_OPENERS = "([{"
_QUOTES = "\"'`"
_BLOCK_OPENERS = (":", "{", "(", "[", "=>", "->", " do", " then")


MAX_PARSE_CUTS = 8
"""How many line boundaries `truncate_to_parse` tries, from the end, before giving up."""


def truncate_to_parse(prefix: str, text: str, suffix: str, language: str) -> str:
    """The longest whole-line start of `text` that adds no syntax error, or `text` itself
    when it parses cleanly, the language has no grammar, or no cut helps."""
    lang = language_for_id(language)
    if lang is None or "\n" not in text.rstrip("\n"):
        return text
    document = prefix + suffix
    if not new_syntax_errors(make_splice(document, len(prefix), text, lang)):
        return text
    cuts = [i + 1 for i, ch in enumerate(text) if ch == "\n"][::-1]
    for cut in cuts[:MAX_PARSE_CUTS]:
        head = text[:cut]
        if head.strip() and not new_syntax_errors(make_splice(document, len(prefix), head, lang)):
            return head
    return text


def truncate_to_block(text: str, cursor_line_prefix: str, next_line: str | None) -> str:
    """The suggestion cut at the first line that leaves the cursor's block (see module doc).

    `next_line` is the first non-blank line of code after the cursor (`next_line_below`).
    """
    lines = text.split("\n")
    first_idx = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first_idx is None or next_line is None or len(lines) == 1:
        return text
    first_line = cursor_line_prefix + lines[0] if first_idx == 0 else lines[first_idx]
    content_indent = indent_width(first_line)
    suffix_indent = indent_width(next_line)
    is_closer = next_line.strip()[:1] in _CLOSERS or next_line.strip() in ("end", "fi", "done")

    def leaves_block(line: str) -> bool:
        indent = indent_width(line)
        if suffix_indent >= content_indent:
            return indent < content_indent
        return indent <= suffix_indent if is_closer else indent < suffix_indent

    code_lines = [i for i in range(first_idx + 1, len(lines)) if lines[i].strip()]
    if not code_lines or _is_followed_well(lines[code_lines[-1]], next_line, is_closer):
        return text
    cut_idx = next((i for i in code_lines if leaves_block(lines[i])), None)
    if cut_idx is None:
        return text
    return "".join(line + "\n" for line in lines[:cut_idx])


def _is_followed_well(last_line: str, next_line: str, is_closer: bool) -> bool:
    """Whether `next_line` can follow `last_line`: deeper after an opener, else not deeper.

    A closing line may not follow a line at its own depth, which would close the block twice.
    """
    last_indent = indent_width(last_line)
    next_indent = indent_width(next_line)
    if last_line.rstrip().endswith(_BLOCK_OPENERS):
        return next_indent > last_indent
    if is_closer:
        return next_indent < last_indent
    return next_indent <= last_indent


def next_lines_below(cursor_line_prefix: str, suffix: str, n_lines: int) -> tuple[str, ...]:
    """The first `n_lines` non-blank lines of code after the cursor (fewer near the end).

    With the cursor in a line's indentation, the rest of that line comes first (the
    suggestion is inserted before it); otherwise they start below the cursor's line.
    """
    newline_at = suffix.find("\n")
    rest = suffix if newline_at == -1 else suffix[:newline_at]
    found: list[str] = []
    if rest.strip() and not cursor_line_prefix.strip():
        found.append((cursor_line_prefix + rest).rstrip("\r"))
    at = newline_at
    while at != -1 and len(found) < n_lines:
        end = suffix.find("\n", at + 1)
        line = suffix[at + 1 :] if end == -1 else suffix[at + 1 : end]
        if line.strip():
            found.append(line.rstrip("\r"))
        at = end
    return tuple(found[:n_lines])


def balance_against_suffix(text: str, cursor_line_rest: str, next_line: str | None) -> str:
    """Drop closers and quotes at the end of `text` that the text after the cursor supplies."""
    rest = cursor_line_rest.strip()
    if rest:
        return _drop_supplied_closers(text, rest)
    if next_line is not None:
        return _drop_duplicated_closing_line(text, next_line)
    return text


def _drop_supplied_closers(text: str, rest: str) -> str:
    """Remove the fewest trailing characters so that text + rest balances like rest alone."""
    body = text.rstrip()
    wanted = _bracket_state(rest)
    if _bracket_state(body + rest) == wanted:
        return text
    for n_chars in range(1, len(rest) + 1):
        if not body.endswith(rest[:n_chars]):
            continue
        if rest[:n_chars].strip(_CLOSERS + _QUOTES + ";:,"):
            break
        candidate = body[: len(body) - n_chars]
        if _bracket_state(candidate + rest) == wanted:
            return candidate
    return text


def _drop_duplicated_closing_line(text: str, next_line: str) -> str:
    """Remove a final line of closers that is the same as the next line below the cursor."""
    body = text.rstrip()
    last_break = body.rfind("\n")
    last = body[last_break + 1 :]
    is_closing = last.strip() and not last.strip().strip(_CLOSERS + ";,")
    if last_break != -1 and is_closing and last.rstrip() == next_line.rstrip():
        return body[: last_break + 1]
    return text


def is_balanced(text: str) -> bool:
    """Whether every bracket opened in `text` is closed, none too early, and no string is open."""
    depth, quote, lowest = _scan_brackets(text)
    return depth == 0 and lowest >= 0 and not quote


def _bracket_state(text: str) -> tuple[int, str]:
    """Net bracket depth of `text` and the quote left open at its end ("" when none)."""
    depth, quote, _ = _scan_brackets(text)
    return depth, quote


def _scan_brackets(text: str) -> tuple[int, str, int]:
    """Net bracket depth, the quote open at the end, and the lowest depth reached."""
    depth = lowest = 0
    quote = ""
    is_escaped = False
    for ch in text:
        if quote:
            if is_escaped:
                is_escaped = False
            elif ch == "\\":
                is_escaped = True
            elif ch == quote:
                quote = ""
        elif ch in _QUOTES:
            quote = ch
        elif ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS:
            depth -= 1
            lowest = min(lowest, depth)
    return depth, quote, lowest


def indent_width(line: str) -> int:
    """How many spaces and tabs `line` starts with."""
    return len(line) - len(line.lstrip(" \t"))
