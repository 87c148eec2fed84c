"""The document with a suggestion inserted, parsed, and the map back to the suggestion.

`make_splice(text, offset, suggestion, lang)` returns a `Splice`: the new text, its syntax
tree and the suggestion's range in characters and bytes. The tree of the document without
the suggestion is cached (a few documents, keyed by their text) and edited in place of a
full parse, so checking several candidates for one request parses the file once.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property

import tree_sitter as ts

from context.languages import Language, parser_for

_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_CACHE_SIZE = 4


@dataclass(frozen=True)
class Original:
    """A document without the suggestion: its text, bytes, tree and identifiers."""

    text: str
    source: bytes
    tree: ts.Tree

    @cached_property
    def identifiers(self) -> frozenset[str]:
        """Every identifier-like word of the text, comments and strings included."""
        return frozenset(_IDENTIFIER.findall(self.text))


@dataclass(frozen=True)
class Splice:
    """The document with the suggestion inserted at `start_offset`."""

    lang: Language
    original: Original
    suggestion: str
    text: str
    source: bytes
    tree: ts.Tree
    start_offset: int
    """Where the suggestion starts, in characters of `text`."""
    start_byte: int
    end_byte: int

    @property
    def end_offset(self) -> int:
        """Where the suggestion ends, in characters of `text`."""
        return self.start_offset + len(self.suggestion)

    def suggestion_offset(self, offset_bytes: int) -> int:
        """A byte offset of the spliced source as characters into the suggestion (clamped)."""
        offset_bytes = max(self.start_byte, min(offset_bytes, self.end_byte))
        chunk = self.source[self.start_byte : offset_bytes]
        return len(chunk.decode("utf-8", errors="replace"))

    def node_text(self, node: ts.Node) -> str:
        """The source text of a node."""
        return self.source[node.start_byte : node.end_byte].decode("utf-8", errors="replace")

    def is_in_suggestion(self, node: ts.Node) -> bool:
        """Whether a node starts inside the suggestion."""
        return self.start_byte <= node.start_byte < self.end_byte


_originals: OrderedDict[tuple[str, str], Original] = OrderedDict()


def original_of(text: str, lang: Language) -> Original:
    """The parsed document without a suggestion, from a small cache keyed by its text."""
    key = (lang.name, text)
    found = _originals.get(key)
    if found is not None:
        _originals.move_to_end(key)
        return found
    source = text.encode("utf-8")
    found = Original(text, source, parser_for(lang).parse(source))
    _originals[key] = found
    while len(_originals) > _CACHE_SIZE:
        _originals.popitem(last=False)
    return found


def make_splice(text: str, offset: int, suggestion: str, lang: Language) -> Splice:
    """Insert `suggestion` at character `offset` of `text` and parse the result."""
    original = original_of(text, lang)
    offset = max(0, min(offset, len(text)))
    head = text[:offset]
    start_byte = len(head.encode("utf-8")) if not text.isascii() else offset
    inserted = suggestion.encode("utf-8")
    source = original.source[:start_byte] + inserted + original.source[start_byte:]
    row = head.count("\n")
    column = start_byte - (len(head[: head.rfind("\n") + 1].encode("utf-8")))
    n_newlines = suggestion.count("\n")
    if n_newlines:
        last_line = suggestion[suggestion.rfind("\n") + 1 :]
        end_point = (row + n_newlines, len(last_line.encode("utf-8")))
    else:
        end_point = (row, column + len(inserted))
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
    return Splice(
        lang=lang,
        original=original,
        suggestion=suggestion,
        text=head + suggestion + text[offset:],
        source=source,
        tree=tree,
        start_offset=offset,
        start_byte=start_byte,
        end_byte=start_byte + len(inserted),
    )
