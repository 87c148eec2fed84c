"""Random documents, cursors and model output through the pure stages (hypothesis).

Post-processing and validation must return a value for any input, never raise, and stay
fast: they run on text that neither fillin nor the user controls (the model's output, any
file the user opens).
"""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from context.document import Document
from context.postprocess.stop_rules import StopContext, postprocess
from context.prompt.redact import redact
from context.settings import ValidationSettings
from context.validation.policy import validate
from context.validation.view import EmptyView

# Code-like characters, so that brackets, quotes, comments and keywords meet often, plus
# any character at all now and then.
CODE = st.text(
    st.sampled_from(list("abcdefxyz_0123456789 \t\n()[]{}:;,.=+-*/#'\"`<>@\\$")) | st.characters(),
    max_size=600,
)
WORDS = st.lists(
    st.sampled_from(
        ["def ", "class ", "for ", "in ", "lambda ", "import ", "from ", "return ", "f", "x"]
    ),
    max_size=80,
).map("".join)
TEXT = CODE | WORDS
LANGUAGES = st.sampled_from(["python", "javascript", "typescript", "go", "rust", "c", "java", ""])
EXTENSIONS = {
    "python": "py",
    "javascript": "js",
    "typescript": "ts",
    "go": "go",
    "rust": "rs",
    "c": "c",
    "java": "java",
    "": "txt",
}
LIMIT_S = 2.0
"""Generous: a loaded machine, and the first example of a language loads its grammar."""


@settings(max_examples=150, deadline=None)
@given(prefix=TEXT, suffix=TEXT, output=st.lists(TEXT, max_size=4), language=LANGUAGES)
def test_postprocess_returns_a_prefix_of_the_output(
    prefix: str, suffix: str, output: list[str], language: str
) -> None:
    ctx = StopContext(prefix=prefix, suffix=suffix, language=language)
    started = time.perf_counter()
    done = postprocess(ctx, output)
    assert time.perf_counter() - started < LIMIT_S
    assert isinstance(done.text, str)
    assert len(done.text) <= len("".join(output)) + len(suffix)


@settings(max_examples=150, deadline=None)
@given(text=TEXT, where=st.floats(0, 1), suggestion=TEXT, language=LANGUAGES)
def test_validate_returns_problems_inside_the_suggestion(
    text: str, where: float, suggestion: str, language: str
) -> None:
    offset = round(where * len(text))
    document = Document(uri=f"file:///fuzz.{EXTENSIONS[language]}", text=text, language_id=language)
    started = time.perf_counter()
    problems = validate(document, offset, suggestion, EmptyView(), ValidationSettings())
    assert time.perf_counter() - started < LIMIT_S
    for problem in problems:
        assert 0 <= problem.start_offset <= problem.end_offset <= len(suggestion)


@settings(max_examples=200, deadline=None)
@given(text=TEXT)
def test_redact_keeps_text_without_secrets_and_is_idempotent(text: str) -> None:
    redacted, findings = redact(text)
    if not findings:
        assert redacted == text
    assert redact(redacted)[0] == redacted
