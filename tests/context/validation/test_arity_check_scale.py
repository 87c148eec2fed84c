"""The `arity` check stays linear on huge texts, and its one-pass reading of the file
answers what the per-name searches it replaced answered."""

from __future__ import annotations

import random
import re
import time

import pytest

from context.languages import language_for_path
from context.splice import make_splice
from context.validation.arity_check import (
    _imported_from,
    _is_in_class,
    _occur_in_order,
    check_arity,
)
from context.validation.text_index import TextIndex
from context.validation.view import EmptyView

N_LINES = 8_000
BOUND_S = 10.0
"""Before the fix, these suggestions took 2.5 s (Python) and 0.6 s (JavaScript) at 1,000
lines here, growing with the square of the size (every call searched the whole text for
its callee's definitions, bindings and imports): minutes at 8,000 lines. After it, 8,000
lines take under a second under a load of 6 on 2 cores. The bound leaves room for a slow
machine and still fails for the quadratic version."""


def _python_suggestion(n_lines: int) -> str:
    """Functions that each call the one before with one argument too many, a builtin,
    a method of their class and a standard-library function: distinct names everywhere."""
    lines = ["import os", "class Box:", "    def put(self, a):", "        return a", ""]
    for i in range(n_lines // 4):
        lines += [
            f"def f{i}(a, b=1):",
            "    x = len(a) + os.path.join(a, str(b))",
            f"    return f{max(0, i - 1)}(x, 1, 2)",
            "",
        ]
    return "\n".join(lines) + "\n"


def _javascript_suggestion(n_lines: int) -> str:
    lines = []
    for i in range(n_lines // 3):
        lines += [f"function g{i}(a) {{", f"  return g{max(0, i - 1)}(a, 2);", "}"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("path", "suggestion", "n_calls"),
    [
        ("module.py", _python_suggestion(N_LINES), N_LINES // 4),
        ("module.js", _javascript_suggestion(N_LINES), N_LINES // 3),
    ],
)
def test_a_huge_suggestion_with_thousands_of_calls_is_checked_in_linear_time(
    path: str, suggestion: str, n_calls: int
) -> None:
    lang = language_for_path(path)
    assert lang is not None
    splice = make_splice("", 0, suggestion, lang)
    started = time.perf_counter()
    problems = check_arity(splice, EmptyView())
    elapsed_s = time.perf_counter() - started
    assert elapsed_s < BOUND_S, f"{N_LINES} lines took {elapsed_s:.1f} s"
    # Every call of the function before passes one argument too many (two for Python).
    assert len(problems) == n_calls
    last = problems[-1]
    name = f"g{n_calls - 2}" if path.endswith(".js") else f"f{n_calls - 2}"
    start = suggestion.rindex(f"{name}(")
    assert (last.start_offset, suggestion[last.end_offset - 1]) == (start, ")")


_PIECES = (
    "def", "class", "async", "import", "from", "as", "a", "b", "ab", "a.b", "f", " ", "\t",
    "\n", "    ", ":", "(", ")", ";", "=", "function", "const", "let", "*", "<", "x", "@",
)  # fmt: skip


def _reference_headers(text: str, name: str) -> list[tuple[int, str, str, int]]:
    pattern = rf"^([ \t]*)(?:async\s+)?(def|class)\s+{re.escape(name)}\b"
    return [
        (m.start(), m.group(1), m.group(2), m.start(2))
        for m in re.finditer(pattern, text, re.MULTILINE)
    ]


def _reference_alias(text: str, name: str) -> str | None:
    match = re.search(
        rf"^[ \t]*import\s+([\w.]+)\s+as\s+{re.escape(name)}\s*$"
        rf"|^[ \t]*import\s+({re.escape(name)})\s*$",
        text,
        re.MULTILINE,
    )
    return None if match is None else match.group(1) or match.group(2)


def _reference_declarations(text: str, name: str) -> list[tuple[int, bool]]:
    escaped = re.escape(name)
    pattern = rf"\bfunction\s*\*?\s*{escaped}\s*[(<]|\b(?:const|let|var)\s+{escaped}\s*="
    return [(m.start(), not m.group(0).startswith("function")) for m in re.finditer(pattern, text)]


def test_the_one_pass_reading_agrees_with_the_per_name_searches() -> None:
    """Each answer of `TextIndex` is what the check's per-name search gave on random texts
    made of the pieces the searches look for."""
    rng = random.Random(12)
    for _ in range(4_000):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randrange(1, 30)))
        index = TextIndex(text)
        for name in ("a", "b", "ab", "f", "x"):
            headers = [
                (h.start, h.indent, h.keyword, h.keyword_at)
                for h in index.python_headers.get(name, [])
            ]
            assert headers == _reference_headers(text, name), (text, name)
            for start, indent, _, _ in headers:
                if indent:
                    expected = _is_in_class(text, start, len(indent))
                    assert index.is_in_class[start] == expected, (text, name)
            assert index.module_aliases.get(name) == _reference_alias(text, name), (text, name)
            assert index.imported_from.get(name) == _imported_from(text, name), (text, name)
            declarations = index.javascript_declarations.get(name, [])
            assert declarations == _reference_declarations(text, name), (text, name)
            word = re.compile(rf"\b{name}\b")
            assert index.words.get(name, []) == [m.start() for m in word.finditer(text)]
            expected_import = _occur_in_order(
                text, ";", (re.compile("import"), word, re.compile("from"))
            )
            assert (name in index.javascript_imported_words) == expected_import, (text, name)


def test_names_after_non_ascii_text_are_found_where_they_are() -> None:
    """The window's byte offsets, summed once, place each name: `open` rebound after
    accented text is not the builtin, `len` is, and the problem's offsets count
    characters."""
    lang = language_for_path("module.py")
    assert lang is not None
    suggestion = (
        "def café():\n    # « déjà »\n    open = 'ü'\n    return open(1, 2, 3, 4, 5, 6, 7, 8, 9)\n"
        "\n\ndef thé():\n    return len('é', 2)\n"
    )
    splice = make_splice("", 0, suggestion, lang)
    (problem,) = check_arity(splice, EmptyView())
    start = suggestion.index("len('é', 2)")
    assert (problem.start_offset, problem.end_offset) == (start, start + len("len('é', 2)"))
    assert problem.message.startswith("`len`")
