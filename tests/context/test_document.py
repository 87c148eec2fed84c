"""Documents: LSP positions map to offsets in every encoding, and bad positions are errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from context.document import Document, Encoding, TextChange
from context.errors import PositionError

TEXT = "a = 1\nb = '😀x'\r\nc\n"

CASES = [
    # (line, character, encoding, expected offset)
    (0, 0, "utf-16", 0),
    (0, 5, "utf-16", 5),
    (0, 99, "utf-16", 5),  # past the end of the line clamps to the end
    (1, 5, "utf-16", 11),  # before the emoji
    (1, 7, "utf-16", 12),  # after the emoji: it takes two UTF-16 units
    (1, 6, "utf-16", 11),  # inside the surrogate pair: stays before it
    (1, 9, "utf-8", 12),  # the emoji takes four bytes
    (1, 6, "utf-32", 12),
    (1, 99, "utf-16", 14),  # the \r is not part of the line
    (3, 0, "utf-16", len(TEXT)),
]


@pytest.mark.parametrize(("line", "character", "encoding", "offset"), CASES)
def test_offset_at(line: int, character: int, encoding: Encoding, offset: int) -> None:
    doc = Document("file:///t.py", TEXT)
    assert doc.offset_at(line, character, encoding) == offset


@pytest.mark.parametrize(("line", "character"), [(4, 0), (-1, 0), (0, -2)])
def test_out_of_range_positions_are_errors(line: int, character: int) -> None:
    with pytest.raises(PositionError):
        Document("file:///t.py", TEXT).offset_at(line, character)


@given(st.text(max_size=200), st.data())
def test_position_round_trips(text: str, data: st.DataObject) -> None:
    doc = Document("file:///t", text)
    offset = data.draw(st.integers(0, len(text)))
    if 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n":
        return  # an offset between \r and \n is not addressable by LSP positions
    for encoding in ("utf-8", "utf-16", "utf-32"):
        line, character = doc.position_at(offset, encoding)
        assert doc.offset_at(line, character, encoding) == offset


def test_text_change_applies_in_order() -> None:
    text = "hello world"
    for change in (TextChange(0, 5, "goodbye"), TextChange(8, 13, "moon")):
        text = change.apply(text)
    assert text == "goodbye moon"
