"""What each kind's policy does with a suggestion's problems, and `fillin validate`.

Policy cases are data: the suggestion, the problems found in it (kind and the text they
point at), the settings, and the text kept (None: rejected) with the actions taken.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from context.document import Document
from context.settings import ValidationSettings
from context.symbols import EmptyView
from context.validate import Problem, ProblemKind, apply_policies, judge
from lsp_server.cli import main


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


def _line_starting(path: Path, start: str) -> int:
    """The 1-based number of the first line of `path` that starts with `start`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(start))


def test_validate_command_prints_problems_and_exits_1(
    fixtures_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkout = fixtures_dir / "repos" / "py_shop" / "shop" / "checkout.py"
    line = _line_starting(checkout, "    return Order(")
    status = main(
        [
            "validate",
            f"{checkout}:{line}:1",
            "--text",
            "    import requestz\n",
            "--no-index",
        ]
    )
    out = capsys.readouterr().out
    assert status == 1
    assert f"checkout.py:{line}:12: unknown-dependency: unknown module `requestz`" in out
    assert "policy: rejected" in out


def test_validate_command_json_with_the_index(
    fixtures_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With the index (kept in a temporary cache directory), a repository function's arity
    is known; positions are 1-based in the file with the suggestion inserted."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    checkout = fixtures_dir / "repos" / "py_shop" / "shop" / "checkout.py"
    line = _line_starting(checkout, "    return Order(")
    text = "    rate = tax_rate(country, 1)\n"
    status = main(["validate", f"{checkout}:{line}:1", "--text", text, "--json"])
    result = json.loads(capsys.readouterr().out)
    assert status == 1
    assert result["ok"] is False
    assert [p["kind"] for p in result["problems"]] == ["arity"]
    assert result["problems"][0]["range"]["start"] == {"line": line, "column": 12}
    assert result["policy"] == {"text": text, "actions": ["arity: annotate"], "reason": ""}
    assert result["elapsedMs"] >= 0


def test_validate_command_says_ok(fixtures_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checkout = fixtures_dir / "repos" / "py_shop" / "shop" / "checkout.py"
    status = main(["validate", f"{checkout}:1:1", "--text", "import json\n", "--no-index"])
    assert (status, capsys.readouterr().out) == (0, "ok\n")


def test_validate_command_rejects_a_bad_location(
    fixtures_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkout = fixtures_dir / "repos" / "py_shop" / "shop" / "checkout.py"
    assert main(["validate", f"{checkout}:9999:1", "--text", "x"]) == 2
    assert "fillin validate:" in capsys.readouterr().err
