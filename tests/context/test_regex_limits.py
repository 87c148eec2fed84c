"""Crafted lines that used to freeze the server in a backtracking regex, one per fix.

Each input took seconds before its fix (`re` holds the GIL, so the whole server stopped);
each test bounds the time generously (0.5 s) and checks that the answer is still right,
so a fix that made the function fast by making it wrong fails too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from context.document import Document
from context.imports.go import _read_go_module
from context.postprocess.stop_rules import StopContext, is_nearly_equal, postprocess
from context.retrieval.focus import find_focus
from context.retrieval.naming import declared_words
from context.settings import ValidationSettings
from context.validation.policy import validate
from context.validation.view import EmptyView

LIMIT_S = 0.5

T = TypeVar("T")


def timed(call: Callable[[], T]) -> T:
    """The result of `call`, failing the test when it takes longer than `LIMIT_S`."""
    started = time.perf_counter()
    result = call()
    elapsed = time.perf_counter() - started
    assert elapsed < LIMIT_S, f"took {elapsed:.2f} s (limit {LIMIT_S} s)"
    return result


def python_problems(text: str, suggestion: str) -> list[str]:
    """The problem kinds validation finds for `suggestion` at the `$0` of `text`."""
    offset = text.index("$0")
    document = Document(uri="file:///crafted.py", text=text.replace("$0", ""), language_id="python")
    problems = timed(
        lambda: validate(document, offset, suggestion, EmptyView(), ValidationSettings())
    )
    return [p.kind for p in problems]


# The arity check looks for other bindings of a name that the file does not define (here
# the builtin `len`) in the text of every line that mentions it.


def test_a_long_line_of_for_loops_does_not_freeze_the_arity_check() -> None:
    # 4.8 KB of `for f ` made `_binds_in_text` take 11 s per occurrence of `f`.
    crafted = "x = [" + "for len " * 600 + "]\n"
    text = f"{crafted}\n\ndef g():\n    $0\n"
    assert python_problems(text, "len(1, 2)\n") == ["arity"]


def test_a_long_line_of_lambdas_does_not_freeze_the_arity_check() -> None:
    crafted = "y = len, " + "lambda " * 4_000 + "\n"
    text = f"{crafted}\n\ndef g():\n    $0\n"
    assert python_problems(text, "len(1, 2)\n") == ["arity"]
    bound = "y = " + "lambda " * 4_000 + "len\n"
    assert python_problems(f"{bound}\n\ndef g():\n    $0\n", "len(1, 2)\n") == []


def test_a_loop_variable_on_a_long_line_still_binds_the_name() -> None:
    crafted = "z = [" + "for q " * 700 + " for len in range(3)]\n"
    text = f"{crafted}\n\ndef g():\n    $0\n"
    assert python_problems(text, "len(1, 2)\n") == []
    assert python_problems(text.replace("for len in", "for len on"), "len(1, 2)\n") == ["arity"]


def test_many_blank_lines_do_not_freeze_the_import_scans() -> None:
    # `^\s*import` under MULTILINE rescanned every following blank line at each line start.
    text = "import os\n" + "\n" * 20_000 + "def g():\n    $0\n"
    assert python_problems(text, "os.getcwd()\nunknown_name_xyz()\n") == ["unknown-symbol"]


def test_javascript_imports_on_one_long_statement_do_not_freeze_the_arity_check() -> None:
    # `f` is not defined in the file, so the check asks whether an import statement names it.
    text = "import " + "import a, " * 3_000 + "\nf(1);\n"
    document = Document(uri="file:///crafted.js", text=text, language_id="javascript")
    problems = timed(
        lambda: validate(document, len(text), "f(1, 2, 3);\n", EmptyView(), ValidationSettings())
    )
    assert [p.kind for p in problems] == []


def test_spaces_before_code_do_not_freeze_the_comment_rule() -> None:
    # 20,000 spaces before code made `_TRAILING_COMMENT` take 3 s.
    line = " " * 20_000 + "total = 1"
    assert timed(lambda: is_nearly_equal(line, line + "  # the sum"))
    assert not timed(lambda: is_nearly_equal(line, line + '  # "quoted" x = 2'))


def test_a_c_line_of_qualifiers_does_not_freeze_the_definition_rule() -> None:
    top = StopContext(prefix="", suffix="\n", language="c")
    head = "int g(void) {\n  return 1;\n}\n"
    crafted = "static " * 6_000
    assert timed(lambda: postprocess(top, [head + crafted])).reason != "new-top-level-definition"
    two = head + "static int f(void) {\n"
    assert timed(lambda: postprocess(top, [two])).reason == "new-top-level-definition"


def test_a_long_word_before_the_cursor_does_not_freeze_the_focus() -> None:
    text = "a" * 20_000 + "\x00"
    timed(lambda: find_focus(text, len(text)))
    member = "q" * 20_000 + ".mem"
    assert timed(lambda: find_focus(member, len(member))).receiver == "q" * 20_000


def test_a_long_call_chain_does_not_freeze_the_focus() -> None:
    text = "x = " + "a" * 8_000 + "-("
    assert timed(lambda: find_focus(text, len(text))).callee is None
    chain = "x = " + "a." * 10_000 + "callee("
    focus = timed(lambda: find_focus(chain, len(chain)))
    assert (focus.callee, focus.callee_receiver) == ("callee", "a")


def test_blank_lines_in_go_mod_do_not_freeze_the_module_path(tmp_path: Path) -> None:
    go_mod = tmp_path / "go.mod"
    go_mod.write_text("\n" * 30_000 + "go 1.22\n")
    assert timed(lambda: _read_go_module(go_mod, go_mod.stat().st_mtime)) == ""
    go_mod.write_text("\n" * 30_000 + "  module example.com/app\n")
    assert timed(lambda: _read_go_module(go_mod, go_mod.stat().st_mtime + 1)) == "example.com/app"


def test_a_long_member_chain_before_the_cursor_is_read_in_one_pass() -> None:
    # `a.a.a....` of 40,000 characters: the field-assignment pattern once tried the whole
    # chain from every dot.
    assert timed(lambda: declared_words("a." * 20_000 + "b")) == frozenset()
    assert timed(lambda: declared_words("a." * 20_000 + "field = ")) == {"field"}
