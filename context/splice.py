"""The document with a suggestion inserted, parsed around the cursor, and the map back to
the suggestion.

`make_splice(text, offset, suggestion, lang)` returns a `Splice`: the new text, and the
syntax tree of the *window* around the cursor: the top-level construct (function, class,
statement) the cursor is in, from the nearest line above it that starts at column 0 to the
next such line below it. Parsing the window instead of the file keeps the cost flat in the
file's size; the checks that look further (a function defined elsewhere in the file, a
class's members, whether a name appears anywhere) read the text. The window of the
document without the suggestion is cached (a few documents); its tree is parsed only when
a check needs it (a suggestion with syntax errors), and once parsed, the next candidates
are parsed as edits of it. Offsets named `*_byte` count UTF-8 bytes of the window.
"""

from __future__ import annotations

import itertools
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property

import tree_sitter as ts

from context.languages import Language, parser_for

_CACHE_SIZE = 4


@dataclass(frozen=True)
class Original:
    """The document without the suggestion: its text, and its window's bytes and tree.

    The tree is parsed on first use: a suggestion that parses cleanly never needs it.
    """

    lang: Language
    text: str
    window_start: int
    """Where the window starts, in characters of `text`."""
    window_end: int
    source: bytes
    """The window's text, UTF-8."""
    _mentions: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def tree(self) -> ts.Tree:
        """The window's syntax tree."""
        return parser_for(self.lang).parse(self.source)

    @property
    def has_tree(self) -> bool:
        """Whether the tree was parsed already (an edit of it is then cheaper than a parse)."""
        return "tree" in self.__dict__

    def mentions(self, name: str) -> bool:
        """Whether `name` appears as a word anywhere in the text (comments, strings too)."""
        found = self._mentions.get(name)
        if found is None:
            pattern = rf"(?<![\w$]){re.escape(name)}(?![\w$])"
            found = self._mentions[name] = re.search(pattern, self.text) is not None
        return found


@dataclass(frozen=True)
class Splice:
    """The document with the suggestion inserted at `start_offset`, parsed in its window."""

    lang: Language
    original: Original
    suggestion: str
    text: str
    """The whole document with the suggestion inserted."""
    source: bytes
    """The window with the suggestion inserted, UTF-8."""
    tree: ts.Tree
    start_offset: int
    """Where the suggestion starts, in characters of `text`."""
    start_byte: int
    end_byte: int

    @property
    def end_offset(self) -> int:
        """Where the suggestion ends, in characters of `text`."""
        return self.start_offset + len(self.suggestion)

    @property
    def start_row(self) -> int:
        """The row of the window where the suggestion starts."""
        return self.source.count(b"\n", 0, self.start_byte)

    def suggestion_offset(self, offset_bytes: int) -> int:
        """A byte offset of the window as characters into the suggestion (clamped)."""
        offset_bytes = max(self.start_byte, min(offset_bytes, self.end_byte))
        chunk = self.source[self.start_byte : offset_bytes]
        return len(chunk.decode("utf-8", errors="replace"))

    def node_text(self, node: ts.Node) -> str:
        """The source text of a node."""
        return self.source[node.start_byte : node.end_byte].decode("utf-8", errors="replace")

    def is_in_suggestion(self, node: ts.Node) -> bool:
        """Whether a node starts inside the suggestion."""
        return self.start_byte <= node.start_byte < self.end_byte

    def text_offset(self, offset_bytes: int) -> int:
        """A byte offset of the window as a character offset of `text`."""
        return self.original.window_start + len(
            self.source[:offset_bytes].decode("utf-8", errors="replace")
        )

    def node_at(self, offset: int, length: int = 0) -> ts.Node | None:
        """The smallest node at a character offset of `text`, or None outside the window."""
        window_start = self.original.window_start
        window_end = self.original.window_end + len(self.suggestion)
        if not window_start <= offset <= window_end:
            return None
        start_byte = self._window_bytes_before(offset)
        end_byte = start_byte + len(
            self.text[offset : offset + length].encode("utf-8", "surrogatepass")
        )
        node: ts.Node | None = self.tree.root_node.descendant_for_byte_range(start_byte, end_byte)
        return node

    def _window_bytes_before(self, offset: int) -> int:
        """The UTF-8 length of the window's text before a character offset of `text`.

        Encoding the window up to the offset on every call made a check that asks about
        every name of a huge suggestion quadratic; the lengths are summed once instead.
        """
        window_start = self.original.window_start
        sums = self._window_byte_sums
        return offset - window_start if sums is None else sums[offset - window_start]

    @cached_property
    def _window_byte_sums(self) -> list[int] | None:
        """Each window character's UTF-8 offset (and the end's), or None for ASCII, where
        offsets in characters and bytes are the same."""
        window = self.text[
            self.original.window_start : self.original.window_end + len(self.suggestion)
        ]
        if window.isascii():
            return None
        # Lone surrogates encode to three bytes with "surrogatepass", as any other
        # character below U+10000 and from U+0800 does.
        sizes = (
            1 if c < "\x80" else 2 if c < "\u0800" else 3 if c < "\U00010000" else 4 for c in window
        )
        return [0, *itertools.accumulate(sizes)]


_originals: OrderedDict[tuple[str, str, int], Original] = OrderedDict()


def original_of(text: str, offset: int, lang: Language) -> Original:
    """The document without a suggestion, parsed in the window around `offset` (cached)."""
    key = (lang.name, text, offset)
    found = _originals.get(key)
    if found is not None:
        _originals.move_to_end(key)
        return found
    window_start, window_end = window_bounds(text, offset)
    source = text[window_start:window_end].encode("utf-8", "surrogatepass")
    found = Original(lang, text, window_start, window_end, source)
    _originals[key] = found
    while len(_originals) > _CACHE_SIZE:
        _originals.popitem(last=False)
    return found


def window_bounds(text: str, offset: int) -> tuple[int, int]:
    """The window around `offset`: from the nearest construct start at or above the cursor's
    line (with its decorators) to the next construct start below it."""
    line_start = text.rfind("\n", 0, offset) + 1
    start = line_start
    if not (_starts_construct(text, start) and start < offset):
        start = _previous_line(text, start)
        while start > 0 and not _starts_construct(text, start):
            start = _previous_line(text, start)
    while start > 0 and text.startswith("@", _previous_line(text, start)):
        start = _previous_line(text, start)
    line_end = text.find("\n", offset)
    found = _CONSTRUCT_START.search(text, line_end + 1) if line_end != -1 else None
    # A definition right after its decorators belongs with them.
    while found is not None and text.startswith("@", _previous_line(text, found.start())):
        found = _CONSTRUCT_START.search(text, found.start() + 1)
    return start, (len(text) if found is None else found.start())


def _previous_line(text: str, line_start: int) -> int:
    """The start of the line before the one starting at `line_start` (0 at the top)."""
    return text.rfind("\n", 0, max(0, line_start - 1)) + 1 if line_start > 0 else 0


_CONSTRUCT_START = re.compile(r"^(?![ \t\r\n)\]}#*]|//|/\*)(?=.)", re.MULTILINE)
"""A line that `_starts_construct`: code at column 0, not a closer or a comment."""


def _starts_construct(text: str, line_start: int) -> bool:
    """Whether the line at `line_start` begins a top-level construct (code at column 0)."""
    first = text[line_start : line_start + 2]
    return bool(first) and first[0] not in " \t\r\n)]}#*" and first not in ("//", "/*")


def make_splice(text: str, offset: int, suggestion: str, lang: Language) -> Splice:
    """Insert `suggestion` at character `offset` of `text` and parse the window around it."""
    offset = max(0, min(offset, len(text)))
    original = original_of(text, offset, lang)
    head = text[original.window_start : offset]
    start_byte = len(head.encode("utf-8", "surrogatepass"))
    inserted = suggestion.encode("utf-8", "surrogatepass")
    source = original.source[:start_byte] + inserted + original.source[start_byte:]
    row = head.count("\n")
    column = start_byte - len(head[: head.rfind("\n") + 1].encode("utf-8", "surrogatepass"))
    n_newlines = suggestion.count("\n")
    if n_newlines:
        last_line = suggestion[suggestion.rfind("\n") + 1 :]
        end_point = (row + n_newlines, len(last_line.encode("utf-8", "surrogatepass")))
    else:
        end_point = (row, column + len(inserted))
    if original.has_tree:
        edited = original.tree.copy()
        edited.edit(
            start_byte=start_byte,
            old_end_byte=start_byte,
            new_end_byte=start_byte + len(inserted),
            start_point=(row, column),
            old_end_point=(row, column),
            new_end_point=end_point,
        )
        tree = parser_for(lang).parse(source, edited)
    else:
        tree = parser_for(lang).parse(source)
    return Splice(
        lang=lang,
        original=original,
        suggestion=suggestion,
        text=text[:offset] + suggestion + text[offset:],
        source=source,
        tree=tree,
        start_offset=offset,
        start_byte=start_byte,
        end_byte=start_byte + len(inserted),
    )
