"""Streaming post-processing: every stop rule and `finish` rule, per language, as data.

Each case is `{description, input with a $0 cursor marker, llm_output, expected}` (plus the
language and the request's limits) and runs through `run_case`, which streams the output in
pieces of several sizes, so a rule that misjudges a piece boundary (a stop token split in
two, a line arriving in fragments) fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from context.languages import language_for_path
from context.postprocess.stop_rules import Finished, StopContext, StreamFilter, finish, postprocess


@dataclass(frozen=True)
class Case:
    description: str
    language: str
    input: str
    llm_output: str
    expected: str
    reason: str
    multiline: bool = True
    stop_tokens: tuple[str, ...] = ()
    max_lines: int = 24


CASES = [
    # Stop tokens.
    Case(
        "a stop token ends the text",
        "python",
        "def add(a, b):\n    $0\n",
        "return a + b<|endoftext|>\n\nprint(add(1, 2))",
        "return a + b",
        "stop-token",
        stop_tokens=("<|endoftext|>",),
    ),
    Case(
        "the earliest of several stop tokens wins",
        "javascript",
        "function add(a, b) {\n  $0\n}\n",
        "return a + b;<EOT>more<|fim_pad|>",
        "return a + b;",
        "stop-token",
        stop_tokens=("<|fim_pad|>", "<EOT>"),
    ),
    Case(
        "text that only starts like a stop token is kept at the end of the stream",
        "python",
        "x = $0\n",
        "a <|e",
        "a <|e",
        "",
        multiline=False,
        stop_tokens=("<|endoftext|>",),
    ),
    # Single-line mode.
    Case(
        "single-line mode stops at the first line break",
        "python",
        "total = $0\n",
        "price * quantity\nprint(total)\n",
        "price * quantity",
        "single-line",
        multiline=False,
    ),
    Case(
        "single-line mode in Go",
        "go",
        "package main\n\nfunc main() {\n\tx := $0\n}\n",
        "compute(1, 2)\n\tfmt.Println(x)\n",
        "compute(1, 2)",
        "single-line",
        multiline=False,
    ),
    # The text after the cursor on its line.
    Case(
        "a closer the suffix already supplies is not repeated",
        "python",
        "print($0)\n",
        '"hello")\n',
        '"hello"',
        "suffix-reached",
        multiline=False,
    ),
    Case(
        "a balanced call inside the brackets is kept whole",
        "python",
        "result = max($0)\n",
        "len(a), len(b))\n",
        "len(a), len(b)",
        "suffix-reached",
        multiline=False,
    ),
    Case(
        "a string's closing quote and bracket are in the suffix",
        "javascript",
        'console.log("$0");\n',
        'total: ");\n',
        "total: ",
        "suffix-reached",
        multiline=False,
    ),
    Case(
        "a colon after the cursor ends an if condition (TypeScript)",
        "typescript",
        "const label = ok ? $0 : 'no';\n",
        "'yes' : 'no';\n",
        "'yes'",
        "suffix-reached",
        multiline=False,
    ),
    # Repeating the code below the cursor.
    Case(
        "a line equal to the next line below the cursor is the model repeating it",
        "python",
        "def area(w, h):\n    $0\n    return result\n",
        "result = w * h\n    return result\n",
        "result = w * h",
        "repeats-suffix",
    ),
    Case(
        "a repeated line is confirmed by the line after it",
        "python",
        "def f(items):\n$0    total = sum(items)\n    return total\n",
        "    items = list(items)\n    total = sum(items)\n    return total\n",
        "    items = list(items)\n",
        "repeats-suffix",
    ),
    Case(
        "a line that recurs legitimately is kept when the next one differs",
        "python",
        "def f(c):\n    if c:\n$0            depth -= 1\n            stack.pop()\n",
        "        depth += 1\n        stack.pop()\n    else:\n            depth -= 1\n"
        "            stack.pop()\n",
        "        depth += 1\n        stack.pop()\n    else:\n",
        "repeats-suffix",
    ),
    Case(
        "a closing brace the suffix has ends the block at once (JavaScript)",
        "javascript",
        "function area(w, h) {\n  $0\n}\n",
        "return w * h;\n}\n\nfunction perimeter(w, h) {\n",
        "return w * h;",
        "repeats-suffix",
    ),
    Case(
        "Java: the method's closing brace is in the suffix",
        "java",
        "class A {\n    int twice(int x) {\n        $0\n    }\n}\n",
        "return 2 * x;\n    }\n\n    int thrice(int x) {\n",
        "return 2 * x;",
        "repeats-suffix",
    ),
    Case(
        "Rust: a repeated closing line",
        "rust",
        "fn double(x: u32) -> u32 {\n    $0\n}\n",
        "x * 2\n}\n\nfn triple(x: u32) -> u32 {\n",
        "x * 2",
        "repeats-suffix",
    ),
    Case(
        "C: a repeated closing line",
        "c",
        "int twice(int x) {\n    $0\n}\n",
        "return 2 * x;\n}\n\nint main(void) {\n",
        "return 2 * x;",
        "repeats-suffix",
    ),
    Case(
        "C++: the suffix's next statement, written with other spacing, is a repeat",
        "cpp",
        "int f(int x) {\n    int y = x * 2;\n    $0\n    return y;\n}\n",
        "y += 1;\n    return  y ;\n}\n",
        "y += 1;",
        "repeats-suffix",
    ),
    # Loops.
    Case(
        "a line written three times is cut to one",
        "python",
        "def f():\n    $0\n",
        "total = total + 1\n    total = total + 1\n    total = total + 1\n    total = total + 1\n",
        "total = total + 1",
        "repeating-lines",
    ),
    Case(
        "a block written twice is cut to one copy",
        "typescript",
        "function f(): void {\n  $0\n",
        "const a = compute(x);\n  const b = compute(y);\n  const a = compute(x);\n"
        "  const b = compute(y);\n",
        "const a = compute(x);\n  const b = compute(y);",
        "repeating-lines",
    ),
    Case(
        "short repeated lines (closers) are not a loop",
        "javascript",
        "function f() {\n  $0",
        "if (a) {\n    if (b) {\n      x();\n    }\n  }\n",
        "if (a) {\n    if (b) {\n      x();\n    }\n  }",
        "",
    ),
    # New top-level definitions.
    Case(
        "Python: a statement at column 0 leaves the function",
        "python",
        "def main():\n    $0\n",
        "run()\n\n\nif __name__ == '__main__':\n    main()\n",
        "run()",
        "new-top-level-definition",
    ),
    Case(
        "Python: a second function after a body",
        "python",
        "$0\n",
        "def area(w, h):\n    return w * h\n\n\ndef perimeter(w, h):\n    return 2 * (w + h)\n",
        "def area(w, h):\n    return w * h\n",
        "new-top-level-definition",
    ),
    Case(
        "Python: a decorator before the first definition is not a stop",
        "python",
        "$0\n",
        "@cache\ndef area(w, h):\n    return w * h\n\n\n@cache\ndef perimeter(w, h):\n",
        "@cache\ndef area(w, h):\n    return w * h\n",
        "new-top-level-definition",
    ),
    Case(
        "Python: a method's body ends at the next method",
        "python",
        "class A:\n    def f(self):\n        $0\n",
        "return 1\n\n    def g(self):\n        return 2\n",
        "return 1",
        "new-top-level-definition",
    ),
    Case(
        "Go: the next func after a body",
        "go",
        "package main\n\n$0\n",
        "func a() int {\n\treturn 1\n}\n\nfunc b() int {\n\treturn 2\n}\n",
        "func a() int {\n\treturn 1\n}\n",
        "new-top-level-definition",
    ),
    Case(
        "Rust: the next fn after a body",
        "rust",
        "$0\n",
        "pub fn a() -> u32 {\n    1\n}\n\npub fn b() -> u32 {\n    2\n}\n",
        "pub fn a() -> u32 {\n    1\n}\n",
        "new-top-level-definition",
    ),
    Case(
        "TypeScript: an interface after a function body",
        "typescript",
        "$0\n",
        "export function a(): number {\n  return 1;\n}\n\ninterface B {\n  x: number;\n}\n",
        "export function a(): number {\n  return 1;\n}\n",
        "new-top-level-definition",
    ),
    Case(
        "JavaScript: a top-level call after the function the cursor is in",
        "javascript",
        "function main() {\n  $0",
        "start();\n}\n\nmain();\n",
        "start();\n}",
        "new-top-level-definition",
    ),
    Case(
        "C: a new function at column 0 after the body",
        "c",
        "int main(void) {\n    $0",
        "return run();\n}\n\nstatic int run(void) {\n",
        "return run();\n}",
        "new-top-level-definition",
    ),
    # Limits.
    Case(
        "at most max_lines lines",
        "python",
        "def f():\n    $0\n",
        "a = 1\n    b = 2\n    c = 3\n    d = 4\n",
        "a = 1\n    b = 2",
        "max-lines",
        max_lines=2,
    ),
    # Block truncation (finish).
    Case(
        "a suggestion that leaves the block the suffix continues is cut at the block's end",
        "python",
        "def f(xs):\n    for x in xs:\n        $0\n        log(x)\n",
        "use(x)\n    done()\n",
        "use(x)",
        "block-end",
    ),
    Case(
        "an elif branch that ends back at the block's depth is kept whole",
        "python",
        "def f(c):\n    if c == 1:\n$0            count += 1\n",
        "            depth += 1\n        elif c == 2:\n",
        "            depth += 1\n        elif c == 2:\n",
        "",
    ),
    Case(
        "Java: a closing brace the suffix supplies is cut with what follows",
        "java",
        "class A {\n    void f() {\n        if (ok) {\n            $0\n        }\n"
        "        done();\n",
        "run();\n        }\n        other();\n",
        "run();",
        "repeats-suffix",
    ),
    Case(
        "JavaScript: `} else {` fits before the suffix's closing brace",
        "javascript",
        "function f() {\n  if (ok) {\n    $0\n  }\n}\n",
        "run();\n  } else {\n    stop();",
        "run();\n  } else {\n    stop();",
        "",
    ),
    # Keeping what parses (finish).
    Case(
        "a statement cut off by the token limit is dropped",
        "python",
        "def f(xs):\n    $0\n",
        "total = sum(xs)\n    return compute(total,\n",
        "total = sum(xs)",
        "syntax-cut",
    ),
    Case(
        "a block left open at the end of the stream is dropped (JavaScript)",
        "javascript",
        "function f() {\n  $0\n}\n",
        "const a = 1;\n  if (a) {\n    run(",
        "const a = 1;",
        "syntax-cut",
    ),
    Case(
        "Go: a half-written call is dropped",
        "go",
        "package main\n\nfunc main() {\n\t$0\n}\n",
        "x := 1\n\tfmt.Println(x,",
        "x := 1",
        "syntax-cut",
    ),
    # Bracket balancing and trailing whitespace (finish).
    Case(
        "a duplicated closing line at the end is dropped",
        "python",
        "items = [\n    1,\n$0\n]\n",
        "    2,\n]",
        "    2,\n",
        "repeats-suffix",
    ),
    Case(
        "trailing blank lines are dropped and one line break kept at a line start",
        "python",
        "def f():\n$0    return 1\n",
        "    x = 2\n\n\n",
        "    x = 2\n",
        "",
    ),
    Case(
        "no final line break at the end of a line whose suffix starts with one",
        "python",
        "def f():\n    $0\n",
        "return 1\n\n",
        "return 1",
        "",
    ),
]


def run_case(case: Case, chunk_size: int) -> tuple[Finished, bool]:
    """Stream `case.llm_output` in pieces of `chunk_size`; the result and whether it aborted."""
    prefix, suffix = case.input.split("$0")
    ctx = StopContext(
        prefix, suffix, case.language, case.multiline, case.stop_tokens, case.max_lines
    )
    pieces = [
        case.llm_output[i : i + chunk_size] for i in range(0, len(case.llm_output), chunk_size)
    ]
    stream_filter = StreamFilter(ctx)
    is_aborted = False
    for index, piece in enumerate(pieces):
        if stream_filter.feed(piece):
            is_aborted = index < len(pieces) - 1
            break
    stream_filter.close()
    done = finish(ctx, stream_filter.text)
    return Finished(done.text, done.reason or stream_filter.stop_reason or ""), is_aborted


@pytest.mark.parametrize("chunk_size", [1, 3, 1000])
@pytest.mark.parametrize("case", CASES, ids=[c.description for c in CASES])
def test_postprocess(case: Case, chunk_size: int) -> None:
    done, _ = run_case(case, chunk_size)
    assert (done.text, done.reason) == (case.expected, case.reason)


STREAM_REASONS = {
    "stop-token",
    "single-line",
    "repeats-suffix",
    "repeating-lines",
    "new-top-level-definition",
    "max-lines",
}
UNREACHED_TAIL = "\nunreached_call(1)\n" * 5


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.reason in STREAM_REASONS], ids=lambda c: c.description
)
def test_a_stop_rule_aborts_the_stream(case: Case) -> None:
    """A model that would go on writing is cut off: the stream is left before its end."""
    longer = Case(**{**case.__dict__, "llm_output": case.llm_output + UNREACHED_TAIL})
    done, is_aborted = run_case(longer, 1)
    assert is_aborted
    assert done.text == case.expected


def test_the_text_never_holds_a_partial_stop_token_while_streaming() -> None:
    ctx = StopContext("x = ", "\n", "python", True, ("<|endoftext|>",), 24)
    stream_filter = StreamFilter(ctx)
    assert not stream_filter.feed("1 + <|end")
    assert stream_filter.text == "1 + "
    assert stream_filter.feed("oftext|>junk")
    assert stream_filter.text == "1 + "
    assert stream_filter.stop_reason == "stop-token"


def test_postprocess_runs_the_stream_and_finish_together() -> None:
    ctx = StopContext("def f():\n    ", "\n", "python", True, ("<EOT>",), 24)
    assert postprocess(ctx, ["return 1", "<EO", "T>"]) == Finished("return 1", "stop-token")


@dataclass(frozen=True)
class RepoCase:
    description: str
    repo: str
    file: str
    at: str
    n_lines: int


REPO_CASES = [
    RepoCase("python body line", "py_shop", "shop/checkout.py", "$0    fresh = Cart(", 1),
    RepoCase("python try block", "py_shop", "shop/checkout.py", "$0    try:\n        amount", 2),
    RepoCase("javascript method body", "js_app", "src/cart.js", "$0    line.quantity +=", 2),
    RepoCase("typescript await", "ts_app", "src/api/client.ts", "$0    const response = await", 1),
    RepoCase("go lock and defer", "go_svc", "internal/store/store.go", "$0\ts.mu.Lock()", 2),
    RepoCase("rust entry", "rust_lib", "src/inventory.rs", "$0        let entry = self", 2),
    RepoCase(
        "java puts", "java_app", "src/main/java/com/acme/shop/Cart.java", "$0        items.put(", 2
    ),
    RepoCase("c accumulator", "c_proj", "src/stats.c", "$0    double sum = 0.0;", 1),
    RepoCase("cpp loop body", "cpp_proj", "src/shape.cpp", "$0        sum += shape->area();", 1),
]


@pytest.mark.parametrize("case", REPO_CASES, ids=[c.description for c in REPO_CASES])
def test_over_generation_in_fixture_repositories(case: RepoCase, fixtures_dir: Path) -> None:
    """The model writes the true lines at the cursor, then the rest of the file: the
    suggestion comes back as exactly the true lines, and the stream is left early."""
    path = fixtures_dir / "repos" / case.repo / case.file
    source = path.read_text(encoding="utf-8")
    offset = source.index(case.at.replace("$0", "")) + case.at.index("$0")
    end = offset
    for _ in range(case.n_lines):
        end = source.index("\n", end) + 1
    middle = source[offset:end]
    lang = language_for_path(path)
    assert lang is not None
    ctx = StopContext(source[:offset], source[end:], lang.name, True, (), 24)
    stream_filter = StreamFilter(ctx)
    output = middle + source[end:]
    pieces = [output[i : i + 5] for i in range(0, len(output), 5)]
    n_fed = 0
    for piece in pieces:
        n_fed += 1
        if stream_filter.feed(piece):
            break
    stream_filter.close()
    assert finish(ctx, stream_filter.text).text == middle
    assert n_fed < len(pieces)
