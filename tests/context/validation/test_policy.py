"""What each kind's policy does with a suggestion's problems.

Policy cases are data: the suggestion, the problems found in it (kind and the text they
point at), the settings, and the text kept (None: rejected) with the actions taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from context.document import Document
from context.settings import ValidationSettings
from context.validation.policy import Problem, ProblemKind, apply_policies, judge
from context.validation.view import EmptyView


@dataclass(frozen=True)
class PolicyCase:
    description: str
    text: str
    problems: tuple[tuple[ProblemKind, str], ...]
    settings: ValidationSettings
    expected_text: str | None
    expected_actions: tuple[str, ...]


DEFAULTS = ValidationSettings()
SUGGESTION = "a = 1\nb = frob(a)\nc = b\n"
POLICY_CASES = [
    PolicyCase("no problem keeps the text", SUGGESTION, (), DEFAULTS, SUGGESTION, ()),
    PolicyCase(
        "syntax rejects by default",
        SUGGESTION,
        (("syntax", "c = b"),),
        DEFAULTS,
        None,
        ("syntax: reject",),
    ),
    PolicyCase(
        "unknown-dependency rejects by default",
        SUGGESTION,
        (("unknown-dependency", "frob"),),
        DEFAULTS,
        None,
        ("unknown-dependency: reject",),
    ),
    PolicyCase(
        "unknown-symbol trims to the line before the problem",
        SUGGESTION,
        (("unknown-symbol", "frob"),),
        DEFAULTS,
        "a = 1\n",
        ("unknown-symbol: trim",),
    ),
    PolicyCase(
        "a trim that leaves nothing rejects",
        SUGGESTION,
        (("unknown-symbol", "a = 1"),),
        DEFAULTS,
        None,
        ("unknown-symbol: trim",),
    ),
    PolicyCase(
        "lines inserted above indented code keep its indentation when trimmed",
        "a = 1\n    b = frob(a)\n    ",
        (("unknown-symbol", "frob"),),
        DEFAULTS,
        "a = 1\n    ",
        ("unknown-symbol: trim",),
    ),
    PolicyCase(
        "lines inserted above indented code that a trim empties are rejected",
        "b = frob(a)\n    ",
        (("unknown-symbol", "frob"),),
        DEFAULTS,
        None,
        ("unknown-symbol: trim",),
    ),
    PolicyCase(
        "arity annotates by default",
        SUGGESTION,
        (("arity", "frob(a)"),),
        DEFAULTS,
        SUGGESTION,
        ("arity: annotate",),
    ),
    PolicyCase(
        "an annotation in trimmed text goes with it",
        SUGGESTION,
        (("unknown-symbol", "b = frob"), ("arity", "c = b")),
        DEFAULTS,
        "a = 1\n",
        ("unknown-symbol: trim",),
    ),
    PolicyCase(
        "off ignores a kind",
        SUGGESTION,
        (("syntax", "c = b"),),
        ValidationSettings(syntax="off"),
        SUGGESTION,
        (),
    ),
    PolicyCase(
        "a kind set to annotate keeps the text",
        SUGGESTION,
        (("unknown-dependency", "frob"),),
        ValidationSettings(unknown_dependency="annotate"),
        SUGGESTION,
        ("unknown-dependency: annotate",),
    ),
    PolicyCase(
        "validation disabled ignores everything",
        SUGGESTION,
        (("syntax", "c = b"),),
        ValidationSettings(enabled=False),
        SUGGESTION,
        (),
    ),
]


def problem_at(text: str, kind: ProblemKind, target: str) -> Problem:
    start = text.index(target)
    return Problem(kind, f"{kind} at {target!r}", start, start + len(target))


@pytest.mark.parametrize("case", POLICY_CASES, ids=[c.description for c in POLICY_CASES])
def test_apply_policies(case: PolicyCase) -> None:
    problems = [problem_at(case.text, kind, target) for kind, target in case.problems]
    outcome = apply_policies(case.text, problems, case.settings)
    assert (outcome.text, outcome.actions) == (case.expected_text, case.expected_actions)
    if outcome.text is None:
        assert outcome.reason.startswith(problems[0].kind)
    else:
        assert all(p.start_offset < len(outcome.text) for p in outcome.problems)


def test_judge_checks_a_trimmed_suggestion_again(tmp_path: Path) -> None:
    """Trimming at an unknown name leaves an `if` without its body: a syntax error."""
    path = tmp_path / "m.py"
    source = "def f(x):\n    return x\n"
    path.write_text(source, encoding="utf-8")
    document = Document(path.as_uri(), source, "python", path=path)
    offset = source.index("    return x")
    text = "    if x:\n        frobnicate(x)\n"
    outcome = judge(document, offset, text, EmptyView(), ValidationSettings())
    assert outcome.text is None
    assert outcome.actions == ("unknown-symbol: trim", "syntax: reject")
