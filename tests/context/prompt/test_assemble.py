"""Prompt assembly: the budget holds, cuts fall on line boundaries, layout is stable."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from context.document import Document
from context.prompt.assemble import build_prompt
from context.prompt.templates import TEMPLATES, Template
from context.prompt.tokens import count_tokens
from context.settings import ContextSettings
from context.snippet import Snippet

CURSOR = "$0"
STARCODER = TEMPLATES["starcoder"]
QWEN = TEMPLATES["qwen2.5-coder"]


def _document(marked: str, path: str = "app/main.py") -> tuple[Document, int]:
    offset = marked.index(CURSOR)
    return Document(f"file:///{path}", marked.replace(CURSOR, "", 1)), offset


def _numbered(n_lines: int, start: int = 0) -> str:
    return "".join(
        f"value_{i} = compute({i}, factor={i * 3})\n" for i in range(start, start + n_lines)
    )


def _snippet(path: str, n_lines: int, score: float = 1.0, source: str = "definition") -> Snippet:
    text = "".join(
        f"def helper_{path.replace('/', '_')}_{i}(x: int) -> int: ...\n" for i in range(n_lines)
    )
    return Snippet(source, path, 0, n_lines - 1, text, score)


line_text = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"), max_size=120
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(line_text, max_size=120),
    cursor=st.floats(0.0, 1.0),
    budget=st.integers(64, 1500),
    prefix_share=st.floats(0.0, 1.0),
    suffix_share=st.floats(0.0, 1.0),
    snippet_lines=st.lists(st.lists(line_text, min_size=1, max_size=30), max_size=6),
    template=st.sampled_from(sorted(TEMPLATES)),
)
def test_the_rendered_prompt_never_exceeds_the_budget(
    lines: list[str],
    cursor: float,
    budget: int,
    prefix_share: float,
    suffix_share: float,
    snippet_lines: list[list[str]],
    template: str,
) -> None:
    text = "\n".join(lines)
    document = Document("file:///repo/a.py", text)
    offset = int(cursor * len(text))
    snippets = [
        Snippet("similar", f"lib/m{i}.py", 0, len(body) - 1, "\n".join(body) + "\n", 1.0 / (i + 1))
        for i, body in enumerate(snippet_lines)
    ]
    context = ContextSettings(
        max_prompt_tokens=budget, prefix_share=prefix_share, suffix_share=suffix_share
    )
    prompt = build_prompt(
        document, offset, context, TEMPLATES[template], snippets, repo_name="repo", path="a.py"
    )
    assert prompt.n_tokens == count_tokens(prompt.text)
    assert prompt.n_tokens <= budget
    assert text[:offset].endswith(prompt.prefix)
    assert text[offset:].startswith(prompt.suffix)
    for snippet in prompt.snippets:
        original = next(s for s in snippets if s.path == snippet.path)
        assert original.text.startswith(snippet.text)
        assert snippet.text.endswith("\n")


def test_the_prefix_is_cut_at_a_line_start_and_the_suffix_at_a_line_end() -> None:
    document, offset = _document(_numbered(400) + "total = $0value\n" + _numbered(400, 400))
    prompt = build_prompt(document, offset, ContextSettings(max_prompt_tokens=256), STARCODER)
    assert prompt.n_tokens <= 256
    assert prompt.prefix.startswith("value_")
    assert prompt.prefix.endswith("total = ")
    assert prompt.suffix.startswith("value\n")
    assert prompt.suffix.endswith("\n")
    sources = [s.source for s in prompt.sections]
    assert sources == ["prefix", "suffix"]


def test_context_comes_first_then_prefix_then_suffix_then_the_cursor_line() -> None:
    document, offset = _document("import pricing\n\ntotal = pricing.$0\n\nprint(total)\n")
    snippet = Snippet(
        "definition", "shop/pricing.py", 3, 3, "def apply_discount(p: float) -> float:\n"
    )
    prompt = build_prompt(
        document, offset, ContextSettings(), QWEN, [snippet], repo_name="shop", path="app/main.py"
    )
    text = prompt.text
    assert (
        text.index("def apply_discount")
        < text.index("import pricing")
        < text.index("print(total)")
        < text.index("<|fim_middle|>")
    )
    # The cursor line's head, the part that typing changes, comes last.
    assert text.endswith("<|fim_middle|>total = pricing.")
    assert prompt.tail == "total = pricing."
    assert prompt.prefix.endswith("total = pricing.")
    assert "<|file_sep|>shop/pricing.py" in text
    assert [s.source for s in prompt.sections] == ["definition", "prefix", "suffix"]


def test_unused_shares_flow_to_the_parts_that_need_them() -> None:
    # A short file leaves most of its shares unused: every snippet fits.
    document, offset = _document("x = $0\n")
    snippets = [_snippet(f"lib/m{i}.py", 20, 1.0 / (i + 1)) for i in range(4)]
    settings_ = ContextSettings(max_prompt_tokens=1200, prefix_share=0.5, suffix_share=0.3)
    prompt = build_prompt(document, offset, settings_, STARCODER, snippets, path="a.py")
    assert len(prompt.snippets) == 4
    assert prompt.n_tokens <= 1200

    # Without snippets, a long prefix takes the whole budget, beyond its share.
    document, offset = _document(_numbered(800) + "$0")
    prompt = build_prompt(document, offset, settings_, STARCODER, (), path="a.py")
    prefix_section = next(s for s in prompt.sections if s.source == "prefix")
    assert prefix_section.n_tokens > 1200 * 0.9


def test_snippets_are_chosen_by_rank_and_cut_only_at_line_ends() -> None:
    document, offset = _document(_numbered(600) + "$0")
    best = _snippet("lib/best.py", 60, 3.0)
    other = _snippet("lib/other.py", 60, 2.0)
    settings_ = ContextSettings(max_prompt_tokens=800, prefix_share=0.6, suffix_share=0.1)
    prompt = build_prompt(document, offset, settings_, STARCODER, [best, other], path="a.py")
    paths = [s.path for s in prompt.snippets]
    assert paths[0] == "lib/best.py"
    kept = prompt.snippets[-1]
    assert kept.text.endswith("\n")
    source = best if kept.path == "lib/best.py" else other
    assert source.text.startswith(kept.text)
    assert kept.end_line == kept.start_line + kept.text.count("\n") - 1


def test_snippets_already_in_the_window_are_dropped() -> None:
    document, offset = _document(_numbered(30) + "y = $0\n" + _numbered(5, 30))
    inside = Snippet(
        "similar", "a.py", 10, 14, "".join(document.line_text(i) + "\n" for i in range(10, 15))
    )
    elsewhere = Snippet("similar", "b.py", 10, 14, "print('elsewhere')\n")
    prompt = build_prompt(
        document, offset, ContextSettings(), STARCODER, [inside, elsewhere], path="a.py"
    )
    assert [s.path for s in prompt.snippets] == ["b.py"]


def test_an_outline_reaching_into_the_window_stays_when_its_lines_are_not_there() -> None:
    document, offset = _document(_numbered(300) + "y = $0\n" + _numbered(5, 300))
    budget = ContextSettings(max_prompt_tokens=2048)
    cursor_line = 300

    def outlines(start: int) -> list[Snippet]:
        # A class outline gathered from `start` to past the cursor, whose first member
        # stands at `start`; and one made of lines just above the cursor.
        far = f"class Values:\n    {document.line_text(start)}\n    def total()\n"
        near = "".join(f"    {document.line_text(cursor_line - i)}\n" for i in (1, 2, 3))
        return [
            Snippet("member", "a.py", start, cursor_line + 4, far),
            Snippet("member", "a.py", start, cursor_line + 4, near),
        ]

    # The window does not depend on the spans: learn its height, then let both spans
    # overlap it by more than half while starting above it.
    probe = build_prompt(document, offset, budget, STARCODER, outlines(0), path="a.py")
    n_prefix = probe.prefix.count("\n")
    start = cursor_line - n_prefix - n_prefix // 2
    assert start > 0
    far, near = outlines(start)
    prompt = build_prompt(document, offset, budget, STARCODER, [far, near], path="a.py")
    assert document.line_text(start) not in prompt.prefix
    assert [s.text for s in prompt.snippets] == [far.text]


def test_layout_order_does_not_depend_on_scores() -> None:
    document, offset = _document("x = $0\n")
    a = _snippet("lib/a.py", 3, 1.0)
    b = _snippet("lib/b.py", 3, 2.0)
    first = build_prompt(document, offset, ContextSettings(), STARCODER, [a, b], path="x.py")
    swapped = [dataclasses.replace(a, score=3.0), b]
    second = build_prompt(
        document, offset, ContextSettings(), STARCODER, swapped[::-1], path="x.py"
    )
    assert first.text == second.text


@pytest.mark.parametrize(
    "template", [STARCODER, QWEN, TEMPLATES["codellama"]], ids=lambda t: t.name
)
def test_a_line_longer_than_the_budget_is_cut_within_it(template: Template) -> None:
    document, offset = _document("data = [" + "1234, " * 3000 + "$0]\n")
    prompt = build_prompt(document, offset, ContextSettings(max_prompt_tokens=100), template)
    assert 0 < prompt.n_tokens <= 100
    assert document.text[:offset].endswith(prompt.prefix)


def test_a_cut_cursor_line_is_never_joined_to_the_next_line() -> None:
    document, offset = _document("x = $0" + "0:0:" * 200 + "Ø\nnext_line = 1\n")
    prompt = build_prompt(document, offset, ContextSettings(max_prompt_tokens=64), STARCODER)
    assert prompt.n_tokens <= 64
    assert document.text[offset:].startswith(prompt.suffix)
    assert "next_line" not in prompt.suffix


def test_labels_longer_than_the_budget_are_dropped() -> None:
    document, offset = _document("x = $0\n")
    long_path = "/".join(["very_long_directory_name"] * 40) + "/m.py"
    for template in TEMPLATES.values():
        settings = ContextSettings(max_prompt_tokens=64)
        prompt = build_prompt(document, offset, settings, template, repo_name="r", path=long_path)
        assert prompt.n_tokens <= 64
        assert prompt.prefix == "x = "


def test_the_prefix_window_moves_in_coarse_steps_as_the_cursor_moves_down() -> None:
    """Moving the cursor down a line mostly keeps the window's first line, so the start of
    the prompt (what a model server has cached) stays the same: six cursor lines see at
    most one step of the window (without anchoring they would see six starts)."""
    body = _numbered(400)
    settings = ContextSettings(max_prompt_tokens=1024)
    starts = set()
    for line_idx in range(300, 306):
        lines = body.splitlines(keepends=True)
        text = "".join(lines[:line_idx]) + "x = $0\n" + "".join(lines[line_idx:])
        document, offset = _document(text)
        prompt = build_prompt(document, offset, settings, STARCODER)
        starts.add(prompt.sections[-2].start_line)
        assert prompt.n_tokens <= 1024
    assert len(starts) <= 2


@pytest.mark.parametrize("template", [STARCODER, TEMPLATES["prefix-only"]])
def test_typing_on_a_line_changes_only_the_prompts_end_at_every_budget(
    template: Template,
) -> None:
    """Whatever the budget, a keystroke leaves the snippets and the window's first line as
    they were: the prompt before the cursor line's head is the same text, so a model
    server evaluates only the typed tokens. (Counted as it is, the head's growth by one
    token pushes out the weakest snippet or a prefix line at the budget's edge.)"""
    body = _numbered(60)
    snippets = [_snippet(f"lib/m{i}.py", 3 + i, score=1.0 - i / 10) for i in range(4)]
    typed = "total = compute("
    for budget in range(150, 450, 7):
        settings = ContextSettings(max_prompt_tokens=budget)
        stable = set()
        for n_typed in range(len(typed) + 1):
            text = body + "    " + typed[:n_typed] + "$0\n\nprint(total)\n"
            document, offset = _document(text)
            prompt = build_prompt(document, offset, settings, template, snippets, path="m.py")
            assert prompt.n_tokens <= budget
            # Both layouts end with the head: after the middle marker, or at the cursor.
            head = "    " + typed[:n_typed]
            assert prompt.text.endswith(head)
            stable.add(prompt.text[: -len(head)])
        assert len(stable) == 1, f"budget {budget}: {len(stable)} layouts"
