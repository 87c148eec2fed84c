"""Reciprocal-rank fusion of the retrieval sources' ranked lists.

Each source ranks its own snippets; scores of different sources are not comparable, ranks
are. A snippet's fused score is the sum over the lists that hold it of
`weight / (RRF_K + rank)`, so a snippet that two sources agree on rises, and every source's
best snippet outranks every source's tenth. Snippets are the same when they cover the same
lines of the same file; the first list's text is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from context.snippet import Snippet

RRF_K = 10
"""Small, because lists are short (a handful of snippets each) and top ranks matter most."""


def fuse(ranked: Mapping[str, Sequence[Snippet]], weights: Mapping[str, float]) -> list[Snippet]:
    """One list, best first, scored by weighted reciprocal rank; ties keep source order."""
    fused: dict[tuple[str, int, int], Snippet] = {}
    scores: dict[tuple[str, int, int], float] = {}
    for source, snippets in ranked.items():
        weight = weights.get(source, 1.0)
        for rank, snippet in enumerate(snippets, start=1):
            key = (snippet.path, snippet.start_line, snippet.end_line)
            fused.setdefault(key, snippet)
            scores[key] = scores.get(key, 0.0) + weight / (RRF_K + rank)
    order = sorted(scores, key=lambda key: -scores[key])
    return [replace(fused[key], score=round(scores[key], 6)) for key in order]
