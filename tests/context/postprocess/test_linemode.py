"""Single-line or multi-line from the syntax tree at the cursor, as a data table per language,
and post-processing on a sample of HumanEval-Infilling (OpenAI, MIT; tests/data)."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from context.document import Document
from context.postprocess.linemode import SINGLE_LINE_MAX_TOKENS, decide_line_mode
from context.postprocess.stop_rules import StopContext, postprocess
from context.settings import Multiline


@dataclass(frozen=True)
class ModeCase:
    description: str
    language_id: str
    input: str
    reason: str
    is_multiline: bool
    setting: Multiline = "auto"
    is_before_text: bool = False


MODE_CASES = [
    ModeCase("an empty block just opened", "python", "def f():\n    $0\n", "empty-line", True),
    ModeCase("the end of a block opener", "python", "def f():$0\n", "block-opened", True),
    ModeCase("between braces", "javascript", "function f() {$0}\n", "block-opened", True),
    ModeCase("an empty body line", "go", "func main() {\n\t$0\n}\n", "empty-line", True),
    ModeCase("an empty body line", "rust", "fn main() {\n    $0\n}\n", "empty-line", True),
    ModeCase(
        "an empty body line",
        "java",
        "class A {\n  void f() {\n    $0\n  }\n}\n",
        "empty-line",
        True,
    ),
    ModeCase("an empty body line", "c", "int main(void) {\n    $0\n}\n", "empty-line", True),
    ModeCase("an empty body line", "cpp", "int main() {\n    $0\n}\n", "empty-line", True),
    ModeCase("inside a call", "python", "x = foo($0)\n", "text-after-cursor", False),
    ModeCase("after an operator", "python", "x = $0\n", "mid-line", False),
    ModeCase("mid-expression", "typescript", "const y = a + $0;\n", "text-after-cursor", False),
    ModeCase("a Python comment", "python", "# compute the $0\nx = 1\n", "in-comment", False),
    ModeCase("a line comment", "javascript", "// returns the $0\nlet x;\n", "in-comment", False),
    ModeCase("a block comment", "java", "/* the $0 */\nclass A {}\n", "in-comment", False),
    ModeCase("a Go comment", "go", "package main\n// Run $0\n", "in-comment", False),
    ModeCase("inside a string", "python", 's = "abc $0"\n', "in-string", False),
    ModeCase("inside a Rust string", "rust", 'fn f() { let s = "a $0"; }\n', "in-string", False),
    ModeCase(
        "an empty line in an argument list",
        "python",
        "x = foo(\n    a,\n    $0\n)\n",
        "in-expression",
        False,
    ),
    ModeCase(
        "an empty line in an array literal",
        "javascript",
        "const xs = [\n  1,\n  $0\n];\n",
        "in-expression",
        False,
    ),
    ModeCase(
        "column 0 of a line of code",
        "python",
        "def f():\n$0    return 1\n",
        "before-text",
        True,
        is_before_text=True,
    ),
    ModeCase(
        "the indentation of a line of code",
        "python",
        "def f():\n    $0return 1\n",
        "before-text",
        True,
        is_before_text=True,
    ),
    ModeCase(
        "inside the indentation of a line of code",
        "python",
        "def f():\n  $0  return 1\n",
        "before-text",
        True,
        is_before_text=True,
    ),
    ModeCase(
        "column 0 of a top-level line",
        "python",
        "import os\n$0print(os.sep)\n",
        "before-text",
        True,
        is_before_text=True,
    ),
    ModeCase(
        "column 0 of a closing brace",
        "javascript",
        "function f() {\n  run();\n$0}\n",
        "before-text",
        True,
        is_before_text=True,
    ),
    ModeCase(
        "a tab's indentation of a line of code",
        "go",
        "package main\n\nfunc main() {\n\t$0run()\n}\n",
        "before-text",
        True,
        is_before_text=True,
    ),
    ModeCase(
        "column 0 of a line in an unknown language",
        "",
        "a\n$0b\n",
        "before-text",
        True,
        is_before_text=True,
    ),
    ModeCase(
        "column 0 of a line inside a docstring",
        "python",
        'def f():\n    """Sum.\n\n$0    More.\n    """\n',
        "in-string",
        False,
    ),
    ModeCase(
        "the indentation of a line inside a block comment",
        "c",
        "/* one\n   $0two */\nint x;\n",
        "in-comment",
        False,
    ),
    ModeCase(
        "forced single line before a line of code",
        "python",
        "def f():\n    $0return 1\n",
        "setting",
        False,
        "never",
        is_before_text=True,
    ),
    ModeCase("forced multi-line", "python", "x = $0\n", "setting", True, "always"),
    ModeCase("forced single line", "python", "def f():\n    $0\n", "setting", False, "never"),
    ModeCase("an unknown language's empty line", "", "$0\n", "empty-line", True),
]


@pytest.mark.parametrize(
    "case", MODE_CASES, ids=[f"{c.language_id}: {c.description}" for c in MODE_CASES]
)
def test_line_mode(case: ModeCase) -> None:
    offset = case.input.index("$0")
    document = Document("file:///t", case.input.replace("$0", ""), case.language_id)
    mode = decide_line_mode(document, offset, case.setting, max_tokens=128)
    assert (mode.is_multiline, mode.reason) == (case.is_multiline, case.reason)
    assert mode.is_before_text == case.is_before_text
    if mode.is_multiline:
        assert (mode.max_tokens, mode.stop) == (128, ())
    else:
        assert (mode.max_tokens, mode.stop) == (SINGLE_LINE_MAX_TOKENS, ("\n",))


def _tasks(humaneval_infilling: Path, name: str, every: int) -> list[dict[str, str]]:
    path = humaneval_infilling / f"HumanEval-{name}Infilling.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for index, line in enumerate(lines) if index % every == 0]


@pytest.mark.parametrize(
    ("name", "every", "target"), [("SingleLine", 10, 0.95), ("MultiLine", 50, 0.85)]
)
def test_humaneval_over_generation_is_cut_back_to_the_true_middle(
    humaneval_infilling: Path, name: str, every: int, target: float
) -> None:
    """A model that writes the true middle and then keeps writing the file's next lines
    (streamed in 7-character pieces) gets its middle back exactly, on a fixed sample."""
    tasks = _tasks(humaneval_infilling, name, every)
    n_exact = 0
    for task in tasks:
        ctx = StopContext(task["prompt"], task["suffix"], "python", True, ("<|endoftext|>",), 60)
        output = task["canonical_solution"] + task["suffix"]
        pieces = [output[i : i + 7] for i in range(0, len(output), 7)]
        n_exact += postprocess(ctx, pieces).text == task["canonical_solution"]
    assert n_exact / len(tasks) >= target
