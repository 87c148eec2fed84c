"""The `unknown-symbol` check stays linear on huge texts, and its one-pass import reading
answers what the per-name regular expressions it replaced answered."""

from __future__ import annotations

import random
import re
import time

from context.languages import language_for_path
from context.splice import make_splice
from context.validation.symbol_check import _imported_module, check_symbols
from context.validation.view import EmptyView

N_LINES = 3_000
BOUND_S = 20.0
"""Before the fix, 2,000 such lines took 64 s and 4,000 took 196 s here; after it, 4,000
take about 2.5 s under a load of 6 on 2 cores. The bound leaves room for a slow machine
and still fails for the quadratic version."""


def _huge_suggestion(n_lines: int) -> str:
    """Every line reads a distinct owner's member and calls a distinct unknown name."""
    return "".join(
        f"obj{i}.attr{i} = undefined_name{i}(thing.member{i}, {i})\n" for i in range(n_lines)
    )


def test_a_huge_suggestion_with_thousands_of_names_is_checked_in_linear_time() -> None:
    lang = language_for_path("module.py")
    assert lang is not None
    suggestion = _huge_suggestion(N_LINES)
    splice = make_splice("import os\n", len("import os\n"), suggestion, lang)
    started = time.perf_counter()
    problems = check_symbols(splice, EmptyView())
    elapsed_s = time.perf_counter() - started
    assert elapsed_s < BOUND_S, f"{N_LINES} lines took {elapsed_s:.1f} s"
    # Every `undefined_nameN` is unknown, and so is every member of an unknown object
    # that nothing defines; the offsets point into the suggestion.
    names = {p.message.split("`")[1] for p in problems}
    assert {f"undefined_name{i}" for i in range(N_LINES)} <= names
    last = [
        p for p in problems if p.message.startswith(f"unknown name `undefined_name{N_LINES - 1}`")
    ]
    assert len(last) == 1
    start = suggestion.index(f"undefined_name{N_LINES - 1}")
    assert (last[0].start_offset, last[0].end_offset) == (
        start,
        start + len(f"undefined_name{N_LINES - 1}"),
    )


def test_offsets_in_a_non_ascii_suggestion_count_characters() -> None:
    lang = language_for_path("module.py")
    assert lang is not None
    suggestion = "prix = 'é' + inconnu\n"
    splice = make_splice("", 0, suggestion, lang)
    (problem,) = check_symbols(splice, EmptyView())
    start = suggestion.index("inconnu")
    assert (problem.start_offset, problem.end_offset) == (start, start + len("inconnu"))


def _reference(text: str, name: str) -> str | None:
    """What the check answered before, one whole-text search per name."""
    escaped = re.escape(name)
    match = re.search(rf"^[ \t]*import\s+([\w.]+)\s+as\s+{escaped}\s*$", text, re.MULTILINE)
    if match:
        return match.group(1)
    pattern = rf"^[ \t]*import\s+(?:[\w.]+\s*,\s*)*({escaped})(?:\.[\w.]+)?\s*(?:,|$)"
    if re.search(pattern, text, re.MULTILINE):
        return name
    return None


_PIECES = ("import", "from", "as", "a", "b", "ab", "a.b", ".", ",", " ", "\t", "\n", "x", "(")


def test_the_one_pass_import_reading_agrees_with_the_per_name_searches() -> None:
    rng = random.Random(12)
    for _ in range(4_000):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randrange(1, 24)))
        for name in ("a", "b", "ab", "x"):
            assert _imported_module(text, name) == _reference(text, name), (text, name)
