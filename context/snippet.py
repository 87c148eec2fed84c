"""A piece of repository context on its way into a prompt."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Snippet:
    """Whole lines of one file that may help the model, with where they came from.

    `source` names the retrieval source ("definition", "scope", "similar", "recent", ...);
    `path` is relative to the workspace root; lines are 0-based and `end_line` is inclusive.
    """

    source: str
    path: str
    start_line: int
    end_line: int
    text: str
    score: float = 0.0
