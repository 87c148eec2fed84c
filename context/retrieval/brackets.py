"""Bracket matching in a line or signature of code, shared by the receiver, Python type and
TypeScript callback readers.

Guarantees: a pure function of the text; never raises; strings and comments are not told
apart from code, so a bracket inside one counts (callers read signatures and short
expressions, where that is rare and costs at most a missed type).
"""

from __future__ import annotations


def closing_bracket(text: str, open_at: int, opener: str, closer: str) -> int | None:
    """The index of the `closer` that closes the `opener` at `text[open_at]`, or None (no
    bracket there, or it is never closed). A `>` that ends an arrow (`=>`) closes nothing."""
    if open_at < 0:
        return None
    depth = 0
    for idx in range(open_at, len(text)):
        ch = text[idx]
        if ch == opener:
            depth += 1
        elif ch == closer and not (closer == ">" and text[idx - 1 : idx] == "="):
            depth -= 1
            if depth == 0:
                return idx
    return None
