"""Streaming post-processing: decide, while tokens arrive, where a suggestion ends.

A model keeps writing past the point where the user's hole is filled: it repeats the code
below the cursor, starts the next function, or loops on a line. `StreamFilter` watches the
stream and says, after each piece, whether the suggestion is complete; the caller then stops
reading, which aborts the HTTP generation so the model server does no wasted work. After the
stream, `finish` applies the rules that need the whole text: block truncation, bracket and
quote balancing against the text after the cursor, the longest run of whole lines that
parses with tree-sitter, and trailing whitespace.

Usage (the whole public API)::

    ctx = StopContext(prefix, suffix, language, multiline, stop_tokens, max_lines)
    stream_filter = StreamFilter(ctx)
    async for piece in backend.stream(request):
        if stream_filter.feed(piece):
            break                       # The suggestion is complete: abort the generation.
    stream_filter.close()               # The stream ended: judge the last, unfinished line.
    done = finish(ctx, stream_filter.text)  # Finished(text, reason)

`postprocess(ctx, pieces)` runs all of it over an iterable of pieces (tests, benchmarks).

The streaming rules run in this order, each a function named for its rule:

1. `stop_at_stop_tokens`: a template stop token ends the text (even split across pieces);
2. `stop_after_first_line`: in single-line mode the first line break ends the text;
3. `stop_at_suffix_start`: the first line reaches the text after the cursor on its line;
4. `stop_at_line_matching_next_line`: a line equal or nearly equal to the next non-empty
   line below the cursor is the model repeating the suffix;
5. `stop_at_repeated_lines`: a line written three times in a row, or a block of lines
   written twice, is the model looping;
6. `stop_at_new_top_level_definition`: a new definition (per language) or a statement at
   column 0 after an indented body starts something the user did not ask for;
7. `stop_at_max_lines`: at most `max_lines` lines.

With the cursor at column 0 or in the indentation of a line that holds code
(`StopContext.is_before_text`, decided by `context.postprocess.linemode`), the suggestion
is whole lines inserted above that code: `finish` judges them as lines starting at column 0
and returns them ending with a line break and the cursor line's indentation, so that the
code after the cursor stays on its own line, at its own indentation.

Guarantees: `StreamFilter.text` is always a prefix of the concatenated pieces, and it never
contains a stop token or a partial one; `finish` only removes text, except that it may
drop or keep a final line break as the cursor's line requires, and before the code on the
cursor's line it ends the text with a line break and that line's indentation. All
functions are pure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from context.languages import language_for_id
from context.postprocess.truncate import (
    balance_against_suffix,
    indent_width,
    is_balanced,
    next_lines_below,
    truncate_to_block,
    truncate_to_parse,
)


@dataclass(frozen=True)
class StopContext:
    """What the stop rules know about one request.

    `prefix` and `suffix` are the document text before and after the cursor (the whole
    text or windows of it that include the cursor's line and the lines around it);
    `language` is a language registry name ("python", "typescript", ...) or an LSP language
    id (`typescriptreact`), or "" when unknown.
    """

    prefix: str
    suffix: str
    language: str = ""
    multiline: bool = True
    stop_tokens: tuple[str, ...] = ()
    max_lines: int = 24
    is_before_text: bool = False
    """Whether the suggestion is whole lines inserted above the code after the cursor
    (`LineMode.is_before_text`)."""

    @cached_property
    def language_name(self) -> str:
        """The registry name of `language` ("" when fillin does not know it)."""
        lang = language_for_id(self.language)
        return lang.name if lang is not None else ""

    @cached_property
    def cursor_line_prefix(self) -> str:
        """The text of the cursor's line before the cursor."""
        return self.prefix[self.prefix.rfind("\n") + 1 :]

    @cached_property
    def cursor_line_rest(self) -> str:
        """The text of the cursor's line after the cursor."""
        end = self.suffix.find("\n")
        return self.suffix if end == -1 else self.suffix[:end]

    @cached_property
    def is_mid_line(self) -> bool:
        """Whether code stands on the cursor's line both before and after the cursor."""
        return bool(self.cursor_line_prefix.strip() and self.cursor_line_rest.strip())

    @cached_property
    def next_lines(self) -> tuple[str, ...]:
        """The first two non-blank lines of code after the cursor (fewer near the end).

        With the cursor in a line's indentation, that line itself comes first: the
        suggestion is inserted before it.
        """
        return next_lines_below(self.cursor_line_prefix, self.suffix, 2)

    @property
    def next_line(self) -> str | None:
        """The first non-blank line of code after the cursor, or None at the end."""
        return self.next_lines[0] if self.next_lines else None


@dataclass(frozen=True)
class Finished:
    """The final suggestion text and the rule that shaped it last ("" when none did)."""

    text: str
    reason: str


@dataclass(frozen=True)
class _Stop:
    """A rule's verdict: keep `keep_chars` characters of the text and stop for `reason`."""

    reason: str
    keep_chars: int


class StreamFilter:
    """Applies the stop rules to a stream of pieces; see the module docstring."""

    def __init__(self, ctx: StopContext) -> None:
        self.ctx = ctx
        self.stop_reason: str | None = None
        self._raw = ""
        self._end: int | None = None
        self._n_checked_lines = 0
        self._is_closed = False
        self._longest_stop = max((len(t) for t in ctx.stop_tokens), default=0)

    @property
    def text(self) -> str:
        """The accepted text so far: stop tokens, partial stop tokens and cut lines removed."""
        if self._end is not None:
            return self._raw[: self._end]
        return self._raw[: self._safe_end()]

    def feed(self, piece: str) -> bool:
        """Add one piece of the stream; True when the suggestion is complete."""
        if self._end is not None:
            return True
        scan_from = max(0, len(self._raw) - self._longest_stop)
        self._raw += piece
        token_at = stop_at_stop_tokens(self._raw, self.ctx.stop_tokens, scan_from)
        if token_at is not None:
            self._raw = self._raw[:token_at]
            self._stop(_Stop("stop-token", token_at))
            self._check_lines(is_final=True)
            return True
        self._check_lines(is_final=False)
        return self._end is not None

    def close(self) -> None:
        """The stream has ended: release held-back text and judge the last line."""
        if self._is_closed:
            return
        self._is_closed = True
        if self._end is None:
            self._check_lines(is_final=True)

    def _safe_end(self) -> int:
        """The end of the text that cannot be the start of a stop token."""
        if self._is_closed:
            return len(self._raw)
        return len(self._raw) - _partial_stop_length(self._raw, self.ctx.stop_tokens)

    def _stop(self, stop: _Stop) -> None:
        if self._end is None or stop.keep_chars <= self._end:
            self._end = stop.keep_chars
            self.stop_reason = stop.reason

    def _check_lines(self, is_final: bool) -> None:
        """Run the rules on every line that became complete (and on the last one if final)."""
        if self._end is not None:
            text = self._raw[: self._end]
        else:
            text = self._raw if is_final else self._raw[: self._safe_end()]
        if not self.ctx.multiline:
            stop = stop_after_first_line(text)
            if stop is not None:
                self._stop(stop)
                text, is_final = text[: stop.keep_chars], True
        written = Written(self.ctx, text, is_final)
        if self._n_checked_lines == 0:
            stop = stop_at_suffix_start(self.ctx, written.raw_lines[0])
            if stop is not None:
                self._stop(stop)
                return
        n_complete = len(written.lines) - 1
        first = self._n_checked_lines
        if is_final:
            # A line that repeated the suffix waited for the next line to confirm it; at the
            # end of the stream the last written line needs no confirmation.
            first = written.last_code_line(before=first) or 0
        last = len(written.lines) if is_final else n_complete
        for line_idx in range(first, last):
            for rule in LINE_RULES:
                stop = rule(self.ctx, written, line_idx)
                if stop is not None:
                    self._stop(stop)
                    return
        self._n_checked_lines = max(self._n_checked_lines, n_complete)


@dataclass(frozen=True)
class Written:
    """The text written so far, split in lines, as the line rules see it."""

    ctx: StopContext
    text: str
    is_final: bool

    @cached_property
    def raw_lines(self) -> list[str]:
        """The suggestion's lines as written."""
        return self.text.split("\n")

    @cached_property
    def lines(self) -> list[str]:
        """The lines as they read in the document: line 0 joins the cursor line's prefix."""
        return [self.ctx.cursor_line_prefix + self.raw_lines[0], *self.raw_lines[1:]]

    @cached_property
    def starts(self) -> list[int]:
        """The offset in `text` at which each line starts."""
        starts = [0]
        for line in self.raw_lines[:-1]:
            starts.append(starts[-1] + len(line) + 1)
        return starts

    def first_code_line(self) -> int | None:
        """The first line where the suggestion itself wrote something other than blanks."""
        return next((i for i, line in enumerate(self.raw_lines) if line.strip()), None)

    def last_code_line(self, before: int) -> int | None:
        """The last non-blank line before `before`."""
        return next((i for i in range(before - 1, -1, -1) if self.raw_lines[i].strip()), None)

    def next_code_line(self, after: int) -> int | None:
        """The first non-blank line after `after`."""
        return next(
            (i for i in range(after + 1, len(self.raw_lines)) if self.raw_lines[i].strip()), None
        )


LineRule = Callable[[StopContext, Written, int], "_Stop | None"]


def stop_at_stop_tokens(text: str, stop_tokens: Sequence[str], scan_from: int = 0) -> int | None:
    """The offset of the earliest stop token in `text` at or after `scan_from`, or None."""
    found: int | None = None
    for token in stop_tokens:
        if not token:
            continue
        at = text.find(token, scan_from)
        if at != -1 and (found is None or at < found):
            found = at
    return found


def stop_after_first_line(text: str) -> _Stop | None:
    """Single-line mode: the first line break ends the suggestion."""
    at = text.find("\n")
    return None if at == -1 else _Stop("single-line", at)


def stop_at_suffix_start(ctx: StopContext, first_line: str) -> _Stop | None:
    """Stop where the first line reaches the text after the cursor on the cursor's line.

    For `print(|)` the model writes `"hi")`: the `)` is already there. The cut is taken only
    where the text before it has balanced brackets, so `f(x)` inside `print(|)` is kept whole.
    """
    if not ctx.is_mid_line:
        return None
    rest = ctx.cursor_line_rest.strip()
    at = first_line.find(rest)
    while at != -1:
        if is_balanced(first_line[:at]):
            if ctx.cursor_line_rest[:1].isspace():
                # The suffix brings its own space before the text it repeats.
                at = len(first_line[:at].rstrip())
            return _Stop("suffix-reached", at)
        at = first_line.find(rest, at + 1)
    return None


def stop_at_line_matching_next_line(
    ctx: StopContext, written: Written, line_idx: int
) -> _Stop | None:
    """Stop before a line equal or nearly equal to the next non-empty line below the cursor.

    Code repeats itself legitimately, so a match of an ordinary line is confirmed by the
    line after it matching the suffix's line after that (or by the end of the stream or of
    the suffix). A short closing line (`}`, `end`) matches at once, indentation included.
    """
    targets = ctx.next_lines
    if not targets:
        return None
    line = written.lines[line_idx]
    if not written.raw_lines[line_idx].strip() or (line_idx == 0 and ctx.is_mid_line):
        return None
    if _is_short(targets[0]) and is_nearly_equal(line, targets[0]):
        return _Stop("repeats-suffix", written.starts[line_idx])
    previous = written.last_code_line(before=line_idx)
    if (
        len(targets) > 1
        and previous is not None
        and is_nearly_equal(written.lines[previous], targets[0])
        and is_nearly_equal(line, targets[1])
    ):
        return _Stop("repeats-suffix", written.starts[previous])
    is_unconfirmable = len(targets) == 1 or (
        written.is_final and written.next_code_line(line_idx) is None
    )
    if is_unconfirmable and is_nearly_equal(line, targets[0]):
        return _Stop("repeats-suffix", written.starts[line_idx])
    return None


def stop_at_repeated_lines(ctx: StopContext, written: Written, line_idx: int) -> _Stop | None:
    """Stop when a line repeats three times in a row, or a block of 2-4 lines twice."""
    lines = written.lines
    line = lines[line_idx]
    if (
        line_idx >= 2
        and _is_substantial(line)
        and lines[line_idx - 1] == line
        and lines[line_idx - 2] == line
    ):
        return _Stop("repeating-lines", written.starts[line_idx - 1])
    for size in range(2, 5):
        first = line_idx - 2 * size + 1
        if first < 0:
            break
        block = lines[line_idx - size + 1 : line_idx + 1]
        if block == lines[first : first + size] and sum(map(_is_substantial, block)) >= 2:
            return _Stop("repeating-lines", written.starts[line_idx - size + 1])
    return None


def stop_at_new_top_level_definition(
    ctx: StopContext, written: Written, line_idx: int
) -> _Stop | None:
    """Stop at a new definition outside the cursor's block, or at column 0 after a body.

    When the suggestion starts indented (inside a body), a line at column 0 that opens a
    statement (not a closing bracket or, in C, a preprocessor line) leaves the definition
    the cursor is in, and a definition less indented than the suggestion's first line is
    the next method. When it starts at column 0, a second definition after an indented body
    is the model writing the next function.
    """
    first_idx = written.first_code_line()
    line = written.lines[line_idx]
    if first_idx is None or first_idx >= line_idx or not line.strip():
        return None
    base_indent = indent_width(written.lines[first_idx])
    definition = _DEFINITION.get(ctx.language_name)
    if line[0].isspace():
        # A definition shallower than the block the suggestion started in: the next method.
        is_shallower = 0 < indent_width(line) < base_indent
        if is_shallower and definition is not None and definition.match(line.lstrip()):
            return _Stop("new-top-level-definition", written.starts[line_idx])
        return None
    if base_indent > 0:
        starts_statement = _STATEMENT_AT_COLUMN_0.get(ctx.language_name, _GENERIC_STATEMENT)
        if starts_statement.match(line):
            return _Stop("new-top-level-definition", written.starts[line_idx])
        return None
    if definition is None or not definition.match(line):
        return None
    body = [written.lines[i] for i in range(first_idx + 1, line_idx) if written.lines[i].strip()]
    is_body_seen = any(b[0].isspace() or b.startswith("}") for b in body)
    previous = body[-1] if body else written.lines[first_idx]
    if is_body_seen and not previous.startswith(("@", "#[")):
        return _Stop("new-top-level-definition", written.starts[line_idx])
    return None


def stop_at_max_lines(ctx: StopContext, written: Written, line_idx: int) -> _Stop | None:
    """Stop after `max_lines` lines."""
    if line_idx + 1 >= ctx.max_lines and line_idx + 1 < len(written.lines):
        return _Stop("max-lines", written.starts[line_idx + 1])
    return None


LINE_RULES: tuple[LineRule, ...] = (
    stop_at_line_matching_next_line,
    stop_at_repeated_lines,
    stop_at_new_top_level_definition,
    stop_at_max_lines,
)


def finish(ctx: StopContext, text: str) -> Finished:
    """The final suggestion: block truncation, bracket balancing, the longest run of lines
    that parses (tree-sitter), then trailing whitespace."""
    if ctx.is_before_text:
        return finish_lines_before_text(ctx, text)
    reason = ""
    truncated = truncate_to_block(text, ctx.cursor_line_prefix, ctx.next_line)
    if truncated != text:
        text, reason = truncated, "block-end"
    rest = ctx.cursor_line_rest if ctx.is_mid_line else ""
    balanced = balance_against_suffix(text, rest, ctx.next_line)
    if balanced != text:
        text, reason = balanced, "closer-in-suffix"
    parsed = truncate_to_parse(ctx.prefix, text, ctx.suffix, ctx.language)
    if parsed != text:
        text, reason = parsed, "syntax-cut"
    return Finished(trim_trailing_whitespace(ctx, text), reason)


def finish_lines_before_text(ctx: StopContext, text: str) -> Finished:
    """`finish` for whole lines inserted above the code after the cursor.

    The rules run as if the cursor stood at column 0, with the cursor line's indentation
    moved into the suffix and the suggestion ended by a line break, so that they judge
    whole lines (a cut-off last line is found by the parse); the indentation then goes to
    the end of the text, where the code after the cursor needs it.
    """
    indentation = ctx.cursor_line_prefix
    lines = text.rstrip(" \t")
    if not lines.strip():
        return Finished("", "")
    if not lines.endswith("\n"):
        lines += "\n"
    at_line_start = replace(
        ctx,
        prefix=ctx.prefix[: len(ctx.prefix) - len(indentation)],
        suffix=indentation + ctx.suffix,
        is_before_text=False,
    )
    done = finish(at_line_start, indentation + lines)
    if not done.text.strip():
        return Finished("", done.reason)
    return Finished(done.text[len(indentation) :] + indentation, done.reason)


def postprocess(ctx: StopContext, pieces: Iterable[str]) -> Finished:
    """Run the stream filter over `pieces`, then `finish`; the reason is the last rule applied."""
    stream_filter = StreamFilter(ctx)
    for piece in pieces:
        if stream_filter.feed(piece):
            break
    stream_filter.close()
    done = finish(ctx, stream_filter.text)
    return Finished(done.text, done.reason or stream_filter.stop_reason or "")


def trim_trailing_whitespace(ctx: StopContext, text: str) -> str:
    """Drop trailing blank lines and spaces; keep one final line break only where it belongs.

    A final line break belongs when the cursor starts an empty line (the suggestion then
    fills whole lines) or when text follows the cursor on its line (it stays on its own
    line). Elsewhere it would leave a blank line before the suffix.
    """
    stripped = text.rstrip()
    if "\n" not in text[len(stripped) :]:
        # Spaces before code that follows on the line may be meaningful (inside a string).
        return text if ctx.is_mid_line else stripped
    last_line_end = text.find("\n", len(stripped))
    body = text[:last_line_end]
    keeps_break = ctx.cursor_line_prefix == "" or bool(ctx.cursor_line_rest.strip())
    return body + "\n" if keeps_break else body


def is_nearly_equal(line: str, target: str) -> bool:
    """Same indentation, and equal once spaces, a trailing comment and `,` or `;` are ignored.

    Short lines (closing brackets, `pass`, `else:`) must match exactly, indentation included,
    since they recur legitimately at other depths. Edit distance is deliberately not used:
    `depth += 1` and `depth -= 1` are one edit apart and both belong in the same block.
    """
    if len(target.strip()) <= 4 or len(line.strip()) <= 4:
        return line.rstrip() == target.rstrip()
    return indent_width(line) == indent_width(target) and _normalized(line) == _normalized(target)


def _normalized(line: str) -> str:
    """`line` without whitespace, a trailing `#` or `//` comment, and a final `,` or `;`."""
    return "".join(_without_trailing_comment(line).split()).rstrip(",;")


def _without_trailing_comment(line: str) -> str:
    """`line` cut before whitespace and a `#` or `//` that no quote follows.

    The comment can only start after the line's last quote, so the search starts there,
    and it tries only the first character of each whitespace run: linear in the line.
    """
    last_quote = max(line.rfind(quote) for quote in "\"'`")
    found = _TRAILING_COMMENT.search(line, last_quote + 1)
    return line if found is None else line[: found.start()]


def _partial_stop_length(text: str, stop_tokens: Sequence[str]) -> int:
    """The length of the longest end of `text` that begins some stop token."""
    longest = 0
    for token in stop_tokens:
        for n in range(min(len(token) - 1, len(text)), longest, -1):
            if text.endswith(token[:n]):
                longest = n
                break
    return longest


def _is_short(line: str) -> bool:
    return len(line.strip()) <= 4


def _is_substantial(line: str) -> bool:
    """A line with at least four characters that are not brackets or punctuation."""
    return sum(ch.isalnum() for ch in line) >= 4


# Whitespace then a comment marker, tried only where a whitespace run starts (so a line of
# spaces costs one attempt, not one per space).
_TRAILING_COMMENT = re.compile(r"(?<!\s)\s+(?:#|//)")
_GENERIC_STATEMENT = re.compile(r"[A-Za-z_$@\"']")
_STATEMENT_AT_COLUMN_0: dict[str, re.Pattern[str]] = {
    "c": re.compile(r"[A-Za-z_]"),
    "cpp": re.compile(r"[A-Za-z_]"),
    "rust": re.compile(r"[A-Za-z_#]"),
}
_DEFINITION: dict[str, re.Pattern[str]] = {
    "python": re.compile(r"(async\s+def|def|class)\s|@"),
    "javascript": re.compile(
        r"(export\s+)?(default\s+)?(async\s+)?(function\b|class\b|const\b|let\b|var\b)"
    ),
    "go": re.compile(r"(func|type|var|const)\b"),
    "rust": re.compile(
        r"(pub(\([\w:]+\))?\s+)?((async|unsafe|const|extern)\s+)*"
        r"(fn|struct|enum|trait|impl|mod|type|static|macro_rules!)\b|#\["
    ),
    "java": re.compile(r"(public|private|protected|static|final|abstract|class|interface|enum)\b"),
    # Qualifiers (`static`, `extern`, `inline`) are words like the type and name that
    # follow, so one run of words, spaces and stars up to `(` covers them; a separate
    # qualifier group would overlap it and backtrack quadratically.
    "c": re.compile(r"[A-Za-z_][\w\s\*]*\("),
}
_DEFINITION["typescript"] = re.compile(
    _DEFINITION["javascript"].pattern[:-1] + r"|interface\b|type\b|enum\b|abstract\s+class\b)"
)
_DEFINITION["tsx"] = _DEFINITION["typescript"]
_DEFINITION["cpp"] = re.compile(_DEFINITION["c"].pattern + r"|(class|struct|namespace|template)\b")
