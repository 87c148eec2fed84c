"""Where generate-from-comment applies, and the edit it makes, as data tables.

Each case is a file with the cursor marked `$0` (and a selection's end `$1`), the code a model
would write at the cursor of `prompt_document`, and the whole file after the edit (or None
where the action must not be offered). One helper runs them all.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from context.document import Document
from context.from_comment.render import prompt_document, render, strip_fences
from context.from_comment.target import find_target, indent_unit, is_prose
from context.languages import language_named


@dataclass(frozen=True)
class Case:
    description: str
    language: str
    text: str
    code: str
    expected: str | None
    kind: str = ""


CASES = [
    # Comments that describe code to write: the code goes on the lines after them.
    Case(
        "python comment at the end of a function body",
        "python",
        "def f(xs):\n    total = 0\n    # add every x to total$0\n\n\ndef g():\n    pass\n",
        "for x in xs:\n        total += x",
        "def f(xs):\n    total = 0\n    # add every x to total\n    for x in xs:\n"
        "        total += x\n\n\ndef g():\n    pass\n",
        "comment",
    ),
    Case(
        "python comment at the end of the file without a newline",
        "python",
        "import json\n\n# read $0the settings file as json",
        "with open('settings.json') as f:\n    data = json.load(f)",
        "import json\n\n# read the settings file as json\nwith open('settings.json') as f:\n"
        "    data = json.load(f)",
        "comment",
    ),
    Case(
        "a run of line comments is one instruction",
        "python",
        "# Load the users from the database\n# and keep the active ones$0\n\nprint('done')\n",
        "users = [u for u in load() if u.active]",
        "# Load the users from the database\n# and keep the active ones\n"
        "users = [u for u in load() if u.active]\n\nprint('done')\n",
        "comment",
    ),
    Case(
        "comment before a dedent closes the block",
        "python",
        "if ready:\n    # tell the user we are ready$0\nprint(1)\n",
        "print('ready')",
        "if ready:\n    # tell the user we are ready\n    print('ready')\nprint(1)\n",
        "comment",
    ),
    Case(
        "javascript comment before a closing brace",
        "javascript",
        "function main() {\n  const xs = [1, 2];\n  // log the sum of xs$0\n}\n",
        "console.log(xs.reduce((a, b) => a + b, 0));",
        "function main() {\n  const xs = [1, 2];\n  // log the sum of xs\n"
        "  console.log(xs.reduce((a, b) => a + b, 0));\n}\n",
        "comment",
    ),
    Case(
        "c comment at top level, a chat model's fenced answer",
        "c",
        "// return the larger of two ints$0\n",
        "```c\nint max(int a, int b) {\n    return a > b ? a : b;\n}\n```",
        "// return the larger of two ints\nint max(int a, int b) {\n    return a > b ? a : b;\n}\n",
        "comment",
    ),
    Case(
        "block comment in go",
        "go",
        "package m\n\n/* Double returns twice n. */$0\n",
        "func Double(n int) int {\n\treturn 2 * n\n}",
        "package m\n\n/* Double returns twice n. */\nfunc Double(n int) int {\n\treturn 2 * n\n}\n",
        "comment",
    ),
    Case(
        "a chat model's echo of the comment is dropped",
        "python",
        "# print hello to the user$0\n",
        "# print hello to the user\nprint('hello')",
        "# print hello to the user\nprint('hello')\n",
        "comment",
    ),
    Case(
        "a chat model's block from column 0 gets the comment's indentation",
        "python",
        "def run(items):\n    # print each item on its own line$0\n",
        "for item in items:\n    print(item)",
        "def run(items):\n    # print each item on its own line\n    for item in items:\n"
        "        print(item)\n",
        "comment",
    ),
    # Functions whose body is empty or only a docstring, comments and placeholders.
    Case(
        "python pass is replaced",
        "python",
        "def add(a, b):$0\n    pass\n\n\nx = 1\n",
        "return a + b",
        "def add(a, b):\n    return a + b\n\n\nx = 1\n",
        "function",
    ),
    Case(
        "python docstring is kept, the code goes after it",
        "python",
        'def add(a, b):\n    """Add$0 two numbers."""\n',
        "return a + b",
        'def add(a, b):\n    """Add two numbers."""\n    return a + b\n',
        "function",
    ),
    Case(
        "python docstring and ellipsis in a method",
        "python",
        'class A:\n    def f(self) -> int:\n        """The answer."""\n        ...$0\n',
        "return 42",
        'class A:\n    def f(self) -> int:\n        """The answer."""\n        return 42\n',
        "function",
    ),
    Case(
        "python raise NotImplementedError with a todo comment on its line",
        "python",
        "def area(r):\n    $0raise NotImplementedError  # TODO\n\nprint(area(1))\n",
        "return 3.14159 * r * r",
        "def area(r):\n    return 3.14159 * r * r\n\nprint(area(1))\n",
        "function",
    ),
    Case(
        "python one-line def",
        "python",
        "def f(xs): ...$0\n",
        "return sorted(xs)",
        "def f(xs):\n    return sorted(xs)\n",
        "function",
    ),
    Case(
        "python fim continuation lines keep their indentation",
        "python",
        "def total(xs):\n    $0pass\n",
        "t = 0\n    for x in xs:\n        t += x\n    return t",
        "def total(xs):\n    t = 0\n    for x in xs:\n        t += x\n    return t\n",
        "function",
    ),
    Case(
        "javascript empty braces on one line",
        "javascript",
        "function add(a, b) {$0}\n",
        "return a + b;",
        "function add(a, b) {\n  return a + b;\n}\n",
        "function",
    ),
    Case(
        "javascript jsdoc above an empty function",
        "javascript",
        "/**\n * Add two numbers.$0\n */\nfunction add(a, b) {\n}\n",
        "return a + b;",
        "/**\n * Add two numbers.\n */\nfunction add(a, b) {\n  return a + b;\n}\n",
        "function",
    ),
    Case(
        "typescript method with a comment inside",
        "typescript",
        "class Cart {\n  total(): number {\n    // sum the prices$0\n  }\n}\n",
        "return this.items.reduce((a, i) => a + i.price, 0);",
        "class Cart {\n  total(): number {\n    // sum the prices\n"
        "    return this.items.reduce((a, i) => a + i.price, 0);\n  }\n}\n",
        "function",
    ),
    Case(
        "go body at the tab indentation",
        "go",
        "package m\n\nfunc Add(a, b int) int {\n\t// add them$0\n}\n",
        "return a + b",
        "package m\n\nfunc Add(a, b int) int {\n\t// add them\n\treturn a + b\n}\n",
        "function",
    ),
    Case(
        "rust todo!() is replaced",
        "rust",
        "fn add(a: i32, b: i32) -> i32 {\n    todo!()$0\n}\n",
        "a + b",
        "fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n",
        "function",
    ),
    Case(
        "java unsupported operation is replaced",
        "java",
        "class A {\n  int twice(int x) {$0\n"
        "    throw new UnsupportedOperationException();\n  }\n}\n",
        "return 2 * x;",
        "class A {\n  int twice(int x) {\n    return 2 * x;\n  }\n}\n",
        "function",
    ),
    Case(
        "cpp empty function on its own lines",
        "cpp",
        "int square(int x)\n{$0\n}\n",
        "return x * x;",
        "int square(int x)\n{\n    return x * x;\n}\n",
        "function",
    ),
    # Nowhere else.
    Case(
        "comment that documents the code under it",
        "python",
        "# compute the answer$0\nx = 42\n",
        "",
        None,
    ),
    Case("commented-out code", "python", "x = 1\n# y = compute(x)$0\n", "", None),
    Case("shebang", "python", "#!/usr/bin/env python$0\n", "", None),
    Case("pragma", "python", "import os  # noqa: F401\n# type: ignore$0\n", "", None),
    Case("licence header", "go", "// Copyright 2024 The Authors.$0\npackage m\n", "", None),
    Case("a single word", "python", "# TODO$0\n", "", None),
    Case("a trailing comment after code", "python", "x = 1  # set x to one$0\n", "", None),
    Case(
        "a function with a body",
        "python",
        "def f(xs):\n    $0return sum(xs)\n",
        "",
        None,
    ),
    Case(
        "the docstring of a function with a body",
        "python",
        'def f(xs):\n    """Sum$0."""\n    return sum(xs)\n',
        "",
        None,
    ),
    Case(
        "a comment inside a function with a body, above code",
        "javascript",
        "function f(a) {\n  // double it$0\n  return 2 * a;\n}\n",
        "",
        None,
    ),
    Case(
        "jsdoc above a function with a body",
        "javascript",
        "/** Add two numbers. */$0\nfunction add(a, b) {\n  return a + b;\n}\n",
        "",
        None,
    ),
    Case("plain code", "rust", "fn main() {\n    let x = 1;$0\n}\n", "", None),
    Case("a declaration without a body", "c", "int square(int x);$0\n", "", None),
    Case("a blank line", "python", "x = 1\n$0\ny = 2\n", "", None),
]


def _apply(case: Case) -> tuple[str | None, str]:
    """The file after the edit that the target makes with the case's code, and its kind."""
    text = case.text
    start = text.index("$0")
    text = text.replace("$0", "")
    end = text.index("$1") if "$1" in text else start
    text = text.replace("$1", "")
    document = Document("file:///case", text, case.language)
    lang = language_named(case.language)
    assert lang is not None
    target = find_target(document, lang, start, end)
    if target is None:
        return None, ""
    replacement = render(target, case.code)
    assert replacement is not None
    return text[: target.start_offset] + replacement + text[target.end_offset :], target.kind


@pytest.mark.parametrize("case", CASES, ids=[c.description for c in CASES])
def test_generate_target(case: Case) -> None:
    result, kind = _apply(case)
    assert result == case.expected
    assert kind == case.kind


def test_selection_over_a_comment_finds_it() -> None:
    text = "x = 1\ny = 2\n\n# print the sum of x and y\n"
    document = Document("file:///s", text, "python")
    lang = language_named("python")
    assert lang is not None
    target = find_target(document, lang, 0, len(text) - 1)
    assert target is not None
    assert target.instruction == "print the sum of x and y"


def test_prompt_document_puts_the_cursor_after_the_comment() -> None:
    text = "def f(xs):\n    # sum the values\n\n\nprint(f([1]))\n"
    document = Document("file:///p", text, "python")
    lang = language_named("python")
    assert lang is not None
    target = find_target(document, lang, text.index("sum"))
    assert target is not None
    opened = prompt_document(document, target)
    assert opened.text[: target.cursor_offset].endswith("    # sum the values\n    ")
    assert opened.text[target.cursor_offset :] == "\n\n\nprint(f([1]))\n"


def test_function_instruction_names_the_header_and_the_docs() -> None:
    text = 'def mean(xs: list[float]) -> float:\n    """The arithmetic mean."""\n    pass\n'
    document = Document("file:///m", text, "python")
    lang = language_named("python")
    assert lang is not None
    target = find_target(document, lang, 0)
    assert target is not None
    assert "def mean(xs: list[float]) -> float:" in target.instruction
    assert "The arithmetic mean." in target.instruction
    assert target.title == "Generate the body of mean"


def test_non_ascii_text_keeps_character_offsets() -> None:
    text = "# Größe: gib die Länge von s zurück$0\n"
    case = Case(
        "non-ascii", "python", text, "print(len(s))", text.replace("$0", "") + "print(len(s))\n"
    )
    assert _apply(case)[0] == case.expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("plain", "plain"),
        ("```\nx = 1\n```", "x = 1"),
        ("```python\nx = 1\ny = 2\n```\nSome words after.", "x = 1\ny = 2"),
        ("Here it is:\n```js\nf();\n```", "f();"),
        ("```python\nunterminated", "unterminated"),
    ],
)
def test_strip_fences(code: str, expected: str) -> None:
    assert strip_fences(code) == expected


def test_render_of_nothing_is_none() -> None:
    document = Document("file:///r", "# say hello to the user\n", "python")
    lang = language_named("python")
    assert lang is not None
    target = find_target(document, lang, 0)
    assert target is not None
    assert render(target, "```\n\n```") is None


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("python", "parse the config file", True),
        ("python", "x = compute(y)", False),
        ("python", "return x", False),
        ("python", "Example: foo bar", True),
        ("go", "sum the values", True),
        ("c", "int x;", False),
        ("python", "noqa: E501 long line", False),
        ("python", "TODO", False),
    ],
)
def test_is_prose(language: str, text: str, expected: bool) -> None:
    lang = language_named(language)
    assert lang is not None
    assert is_prose(text, lang) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("def f():\n    pass\n", "    "),
        ("function f() {\n  return 1;\n}\n", "  "),
        ("func f() {\n\treturn\n}\n", "\t"),
        ("x = 1\n", "    "),
        ("/**\n * doc\n */\nfunction f() {\n    go();\n}\n", "    "),
    ],
)
def test_indent_unit(text: str, expected: str) -> None:
    assert indent_unit(Document("file:///i", text)) == expected
