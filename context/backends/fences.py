"""Markdown fences out of a streamed chat answer, piece by piece.

Chat models wrap code in fences even when told not to. `FenceStripper` is fed the answer
as it streams and passes on only the code: an opening fence line (three backticks and an
optional language, possibly after blank lines) is dropped, and a fence at the start of a
later line ends the code, together with the line break before it and everything after.
Text that might still turn out to be the start of a fence is held back until it is clear,
so nothing is emitted that must later be taken back.
"""

from __future__ import annotations

FENCE = "```"
_CLOSING = "\n" + FENCE


class FenceStripper:
    """Turns a streamed, possibly fenced answer into the code inside the fences."""

    def __init__(self) -> None:
        self._head = ""
        self._is_in_code = False
        self._held = ""
        self._is_held_at_line_start = True
        self.is_done = False

    def feed(self, piece: str) -> str:
        """Take the next piece of the answer; return the code that is now certain."""
        if self.is_done:
            return ""
        if self._is_in_code:
            return self._pass(piece)
        self._head += piece
        code = self._open()
        return "" if code is None else self._pass(code)

    def finish(self) -> str:
        """The code still held back at the end of the answer."""
        if self.is_done:
            return ""
        self.is_done = True
        if not self._is_in_code:
            # An answer that ends inside a lone opening fence line has no code.
            return "" if self._head.lstrip().startswith(FENCE) else self._head
        return self._held

    def _open(self) -> str | None:
        """The code after an opening fence, the head itself if unfenced, None if unclear."""
        text = self._head.lstrip()
        if not text or FENCE.startswith(text):
            return None
        self._is_in_code = True
        if not text.startswith(FENCE):
            return self._head
        newline = text.find("\n")
        if newline == -1:
            self._is_in_code = False
            return None
        return text[newline + 1 :]

    def _pass(self, piece: str) -> str:
        """Emit `piece` after the held text, up to a closing fence or a possible one."""
        text = self._held + piece
        at_line_start = self._is_held_at_line_start
        end = 0 if at_line_start and text.startswith(FENCE) else text.find(_CLOSING)
        if end != -1:
            self.is_done = True
            self._held = ""
            return text[:end]
        keep = _possible_fence_start(text, at_line_start)
        emitted, self._held = text[: len(text) - keep], text[len(text) - keep :]
        if emitted:
            self._is_held_at_line_start = emitted.endswith("\n")
        return emitted


def _possible_fence_start(text: str, is_at_line_start: bool) -> int:
    """How many characters at the end of `text` could begin a closing fence."""
    if is_at_line_start and FENCE.startswith(text):
        return len(text)
    for size in range(min(len(_CLOSING) - 1, len(text)), 0, -1):
        if _CLOSING.startswith(text[-size:]):
            return size
    return 0
