"""`Problem`: one thing a check found wrong with a suggestion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ProblemKind = Literal["syntax", "unknown-symbol", "arity", "unknown-dependency"]
PROBLEM_KINDS: tuple[ProblemKind, ...] = ("syntax", "unknown-symbol", "arity", "unknown-dependency")


@dataclass(frozen=True)
class Problem:
    """A problem and where it lies.

    `start_offset` and `end_offset` count characters into the suggestion text (not the
    document); a problem the suggestion causes outside itself (a syntax error further down)
    is placed at the suggestion's end.
    """

    kind: ProblemKind
    message: str
    start_offset: int
    end_offset: int
