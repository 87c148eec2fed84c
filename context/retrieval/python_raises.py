"""At `raise |` or `except |` in Python, the code about to be written names an exception
class: the candidate definitions that are exceptions are shown first.

An exception is told by its name or its bases' names (`class InvalidURL(RequestException,
ValueError)`, `class TOMLKitError(Exception)`, `class BadParameter(UsageError)`): Python's
exceptions end in `Error`, `Exception`, `Warning`, `Exit` or `Interrupt` by convention, the
standard library's and most projects' alike, so the header says it without following the
bases across files.

Guarantees: a pure function of its arguments; only rows given, in their order; nothing at
other positions and in other languages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from context.index.store import SymbolRow

_RAISING = re.compile(
    r"(?:^|[;:]\s*)(?:raise\s+(?:[\w.]+\s+from\s+)?|except\s*\(?\s*(?:[\w.]+\s*,\s*)*"
    r"|except\*\s*)[\w.]*$"
)
_EXCEPTION_WORD = re.compile(r"(?:Error|Exception|Warning|Exit|Interrupt)\b")


def is_raising(line_before_cursor: str) -> bool:
    """Whether the cursor names what a `raise` raises or an `except` catches."""
    return _RAISING.search(line_before_cursor.lstrip()) is not None


def exceptions_at(rows: Sequence[SymbolRow], line_before_cursor: str) -> list[SymbolRow]:
    """The exception classes among `rows`, in their order, where `line_before_cursor`
    raises or catches; empty elsewhere."""
    if not rows or rows[0].language != "python" or not is_raising(line_before_cursor):
        return []
    return [r for r in rows if is_exception(r)]


def is_exception(row: SymbolRow) -> bool:
    """Whether `row` is a class that its header says is an exception."""
    if row.kind != "class":
        return False
    header = row.signature.strip().split("\n")[-1]
    return _EXCEPTION_WORD.search(header) is not None
