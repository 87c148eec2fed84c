"""Lines inserted before existing text: the cursor at column 0, or at the indentation, of a
line that holds code. Each case is `{description, input with a $0 cursor marker, llm_output,
expected}`: the line mode is decided from the document as the pipeline decides it, the
output streams through the stop rules in pieces of several sizes, and `finish` must return
whole lines ending with a line break (and the cursor line's indentation) that parse once
inserted before the line.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from context.document import Document
from context.postprocess.linemode import decide_line_mode
from context.postprocess.stop_rules import Finished, StopContext, StreamFilter, finish
from context.settings import Multiline, ValidationSettings
from context.validation.policy import validate
from context.validation.view import EmptyView


@dataclass(frozen=True)
class Case:
    description: str
    language: str
    input: str
    llm_output: str
    expected: str
    reason: str
    setting: Multiline = "auto"


CASES = [
    Case(
        "column 0 of an indented line: one whole line with its break",
        "python",
        "def f(xs):\n$0    return total\n",
        "    total = sum(xs)\n    return total\n",
        "    total = sum(xs)\n",
        "repeats-suffix",
    ),
    Case(
        "column 0: several lines, cut where the model repeats the line",
        "python",
        "def f(xs):\n$0    return total\n",
        "    total = 0\n    for x in xs:\n        total += x\n    return total\n\n\ndef g():\n",
        "    total = 0\n    for x in xs:\n        total += x\n",
        "repeats-suffix",
    ),
    Case(
        "the indentation of a line: the line's indentation ends the text",
        "python",
        "def f(xs):\n    $0return total\n",
        "total = sum(xs)\n    return total\n",
        "total = sum(xs)\n    ",
        "repeats-suffix",
    ),
    Case(
        "the indentation of a line: several lines",
        "python",
        "def f(xs):\n    $0return total\n",
        "total = 0\n    for x in xs:\n        total += x\n    return total\n",
        "total = 0\n    for x in xs:\n        total += x\n    ",
        "repeats-suffix",
    ),
    Case(
        "a model that stops without a line break gets one",
        "python",
        "def f(xs):\n    $0return total\n",
        "total = sum(xs)",
        "total = sum(xs)\n    ",
        "",
    ),
    Case(
        "a model that writes the line's indentation and stops",
        "python",
        "def f(xs):\n    $0return total\n",
        "total = sum(xs)\n    ",
        "total = sum(xs)\n    ",
        "",
    ),
    Case(
        "a last line cut off by the token limit is dropped by the parse",
        "python",
        "def f(xs):\n    $0return total\n",
        "total = sum(xs)\n    total += max(xs,",
        "total = sum(xs)\n    ",
        "syntax-cut",
    ),
    Case(
        "a block closed before the line is kept whole",
        "python",
        "def f(xs):\n    total = 0\n$0    return total\n",
        "    for x in xs:\n        total += x\n    return total\n",
        "    for x in xs:\n        total += x\n",
        "repeats-suffix",
    ),
    Case(
        "column 0 of a top-level line",
        "python",
        "import os\n\n$0print(SEP)\n",
        "SEP = os.sep\nprint(SEP)\n",
        "SEP = os.sep\n",
        "repeats-suffix",
    ),
    Case(
        "forced single line: one line, ending with its break and the indentation",
        "python",
        "def f(xs):\n    $0return total\n",
        "total = sum(xs)\n    total += 1\n    return total\n",
        "total = sum(xs)\n    ",
        "stop-token",
        setting="never",
    ),
    Case(
        "Go: a tab's indentation",
        "go",
        "package main\n\nfunc main() {\n\t$0fmt.Println(x)\n}\n",
        "x := compute()\n\tfmt.Println(x)\n}\n",
        "x := compute()\n\t",
        "repeats-suffix",
    ),
    Case(
        "JavaScript: column 0 of a closing brace",
        "javascript",
        "function f() {\n  run();\n$0}\n",
        "  stop();\n}\n\nfunction g() {}\n",
        "  stop();\n",
        "repeats-suffix",
    ),
    Case(
        "Rust: the indentation of a macro call",
        "rust",
        'fn main() {\n    $0println!("{}", x);\n}\n',
        'let x = 1;\n    println!("{}", x);\n}\n',
        "let x = 1;\n    ",
        "repeats-suffix",
    ),
    Case(
        "C: column 0 of a return",
        "c",
        "int main(void) {\n$0    return 0;\n}\n",
        "    int x = 1;\n    return 0;\n}\n",
        "    int x = 1;\n",
        "repeats-suffix",
    ),
    Case(
        "a model that only repeats the line gives nothing",
        "python",
        "def f(xs):\n    $0return total\n",
        "return total\n",
        "",
        "repeats-suffix",
    ),
]

SYNTAX_ONLY = ValidationSettings(unknown_symbol="off", arity="off", unknown_dependency="off")


def run_case(case: Case, chunk_size: int) -> Finished:
    """Decide the line mode at the marker, stream the output in `chunk_size` pieces, finish."""
    prefix, suffix = case.input.split("$0")
    document = Document("file:///t", prefix + suffix, case.language)
    mode = decide_line_mode(document, len(prefix), case.setting)
    ctx = StopContext(
        prefix,
        suffix,
        case.language,
        mode.is_multiline,
        mode.stop,
        24,
        is_before_text=mode.is_before_text,
    )
    stream_filter = StreamFilter(ctx)
    for start in range(0, len(case.llm_output), chunk_size):
        if stream_filter.feed(case.llm_output[start : start + chunk_size]):
            break
    stream_filter.close()
    done = finish(ctx, stream_filter.text)
    return Finished(done.text, done.reason or stream_filter.stop_reason or "")


@pytest.mark.parametrize("chunk_size", [1, 3, 1000])
@pytest.mark.parametrize("case", CASES, ids=[c.description for c in CASES])
def test_lines_before_text(case: Case, chunk_size: int) -> None:
    done = run_case(case, chunk_size)
    assert (done.text, done.reason) == (case.expected, case.reason)
    prefix, suffix = case.input.split("$0")
    document = Document("file:///t", prefix + suffix, case.language)
    assert validate(document, len(prefix), done.text, EmptyView(), SYNTAX_ONLY) == []


@pytest.mark.parametrize("case", [c for c in CASES if c.expected], ids=lambda c: c.description)
def test_the_line_after_the_cursor_stays_whole_below_the_suggestion(case: Case) -> None:
    """Inserted, the suggestion is whole lines, and the cursor line's code follows them on a
    line of its own, at its own indentation."""
    prefix, suffix = case.input.split("$0")
    done = run_case(case, 1000)
    cursor_line = (prefix + suffix).split("\n")[prefix.count("\n")]
    lines = (prefix + done.text + suffix).split("\n")
    assert lines[prefix.count("\n") + done.text.count("\n")] == cursor_line
