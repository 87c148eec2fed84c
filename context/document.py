"""Document snapshots and position arithmetic.

A `Document` is an immutable snapshot of a file's text: handlers take one before their
first `await`, so a completion works on the text the user saw when they asked for it.

Offsets into `Document.text` count Python characters (code points) and are called
`offset`. LSP positions count UTF-16 code units by default (`utf-16`), or bytes (`utf-8`)
or code points (`utf-32`) when negotiated; tree-sitter counts UTF-8 bytes. The functions
here convert between them and raise `PositionError` for a position outside the text.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from context.errors import PositionError

Encoding = Literal["utf-8", "utf-16", "utf-32"]


@dataclass(frozen=True)
class Document:
    """An immutable snapshot of one document's text."""

    uri: str
    text: str
    language_id: str = ""
    version: int | None = None
    path: Path | None = None

    @cached_property
    def line_starts(self) -> list[int]:
        """The offset at which each line starts; the first is always 0."""
        starts = [0]
        text = self.text
        i = text.find("\n")
        while i != -1:
            starts.append(i + 1)
            i = text.find("\n", i + 1)
        return starts

    @property
    def n_lines(self) -> int:
        """The number of lines, counting a last line without a newline."""
        return len(self.line_starts)

    def line_text(self, line_idx: int) -> str:
        """The text of line `line_idx` without its line break."""
        starts = self.line_starts
        if not 0 <= line_idx < len(starts):
            raise PositionError(f"line {line_idx} is outside the document (0..{len(starts) - 1})")
        end = starts[line_idx + 1] - 1 if line_idx + 1 < len(starts) else len(self.text)
        line = self.text[starts[line_idx] : end]
        return line[:-1] if line.endswith("\r") else line

    def offset_at(self, line_idx: int, character: int, encoding: Encoding = "utf-16") -> int:
        """The offset of an LSP position; raises `PositionError` when it lies outside.

        A character past the end of its line is clamped to the line's end, as the LSP
        specification asks; a line past the end of the document is an error.
        """
        if line_idx < 0 or character < 0:
            raise PositionError(f"position {line_idx}:{character} is negative")
        if line_idx >= self.n_lines:
            raise PositionError(f"line {line_idx} is outside the document ({self.n_lines} lines)")
        line = self.line_text(line_idx)
        n_chars = units_to_chars(line, character, encoding)
        return self.line_starts[line_idx] + n_chars

    def position_at(self, offset: int, encoding: Encoding = "utf-16") -> tuple[int, int]:
        """The LSP (line, character) of an offset."""
        if not 0 <= offset <= len(self.text):
            raise PositionError(f"offset {offset} is outside the document (0..{len(self.text)})")
        line_idx = bisect.bisect_right(self.line_starts, offset) - 1
        start = self.line_starts[line_idx]
        return line_idx, chars_to_units(self.text[start:offset], encoding)

    def with_text(self, text: str, version: int | None = None) -> Document:
        """A snapshot of the same document with other text."""
        return Document(self.uri, text, self.language_id, version, self.path)


def units_to_chars(line: str, n_units: int, encoding: Encoding) -> int:
    """How many characters of `line` the first `n_units` code units cover (clamped)."""
    if encoding == "utf-32":
        return min(n_units, len(line))
    n_chars = 0
    seen = 0
    for ch in line:
        width = utf_width(ch, encoding)
        if seen + width > n_units:
            break
        seen += width
        n_chars += 1
    return n_chars


def chars_to_units(text: str, encoding: Encoding) -> int:
    """The length of `text` in code units of `encoding`."""
    if encoding == "utf-32":
        return len(text)
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    return len(text.encode("utf-16-le")) // 2


def utf_width(ch: str, encoding: Encoding) -> int:
    """The number of code units one character takes in `encoding`."""
    if encoding == "utf-8":
        return len(ch.encode("utf-8"))
    if encoding == "utf-16":
        return 2 if ord(ch) > 0xFFFF else 1
    return 1


def offset_to_byte(text: str, offset: int) -> int:
    """The UTF-8 byte offset (tree-sitter's unit) of a character offset."""
    return len(text[:offset].encode("utf-8"))


@dataclass(frozen=True)
class TextChange:
    """One edit of a document: `text` replaced the old text between two offsets.

    Offsets count characters of the text before this change. A list of changes applies in
    order, each to the result of the one before, as LSP's incremental sync sends them.
    """

    start: int
    end: int
    text: str

    def apply(self, old: str) -> str:
        """The text after this change."""
        return old[: self.start] + self.text + old[self.end :]
