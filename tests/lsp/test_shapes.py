"""The JSON shapes of lsp_server/shapes.py: what `fillin/context` and `fillin context`,
`fillin stats --json` and `fillin eval --json` return."""

from __future__ import annotations

import time
from pathlib import Path

from context.document import Document
from context.evaluate import Attempt, EvalOptions, EvalReport, Hole
from context.pipeline import ContextReport
from context.prompt.assemble import build_prompt
from context.prompt.templates import TEMPLATES
from context.settings import ContextSettings
from context.stats import StatsStore, SuggestionRecord
from lsp_server.shapes import context_report_json, eval_report_json, stats_report_json

STARCODER = TEMPLATES["starcoder"]


def test_the_report_counts_lines_from_one() -> None:
    text = "a = 1\nb = \nc = 3\n"
    document = Document("file:///m.py", text, "python", None)
    offset = text.index("b = ") + 4
    prompt = build_prompt(document, offset, ContextSettings(), STARCODER, path="m.py")
    report = context_report_json(ContextReport(prompt, 1.25))
    assert report["tokensUsed"] == prompt.n_tokens
    assert report["budgetTokens"] == 2048
    prefix = next(s for s in report["sections"] if s["source"] == "prefix")
    assert (prefix["startLine"], prefix["endLine"], prefix["path"]) == (1, 2, "m.py")
    assert report["elapsedMs"] == 1.25


def test_stats_report_has_every_dimension(tmp_path: Path) -> None:
    store = StatsStore(tmp_path / "stats.sqlite")
    try:
        store.record_suggestion(
            SuggestionRecord(
                suggestion_id="a",
                language="python",
                model="smollm2",
                trigger="automatic",
                n_chars=10,
                first_token_ms=20.0,
                total_ms=100.0,
                outcome="valid",
                workspace="/repo",
                created_at=time.time(),
            )
        )
        store.record_event("a", "accepted", 4)
        data = stats_report_json(store.summarize())
    finally:
        store.close()
    assert data["database"] == str(tmp_path / "stats.sqlite")
    assert data["overall"]["acceptedChars"] == 4
    assert data["overall"]["acceptanceRate"] == 1.0
    assert set(data) == {"database", "since", "overall", "byLanguage", "byModel", "byTrigger"}
    assert data["byLanguage"]["python"]["totalMs"] == {
        "n": 1,
        "p50": 100.0,
        "p90": 100.0,
        "p95": 100.0,
    }


def test_eval_report_counts_lines_from_one_and_sums_each_configuration() -> None:
    hole = Hole("m.py", Path("/repo/m.py"), "python", 4, "plain", "x = 1")
    attempts = tuple(
        Attempt(hole, configuration, suggestion, "returned", True, 10.0, 50.0)
        for configuration, suggestion in (("baseline", "y = 2"), ("fillin", "x = 1"))
    )
    report = EvalReport(Path("/repo"), "llamacpp", "m", EvalOptions(seed=3), (hole,), attempts, 2.0)
    data = eval_report_json(report)
    assert (data["seed"], data["holesMade"], data["holesRun"]) == (3, 1, 1)
    assert data["holesByKind"] == {"plain": 1}
    assert data["secondsPerHole"] == 2.0
    fillin = data["configurations"]["fillin"]
    assert set(fillin) == {"all", "cross-file", "plain"}
    assert (fillin["all"]["exact"], fillin["all"]["exactMatch"]) == (1, 1.0)
    assert data["configurations"]["baseline"]["all"]["exactMatch"] == 0.0
    assert fillin["cross-file"]["holes"] == 0
    assert [(a["configuration"], a["line"], a["exact"]) for a in data["attempts"]] == [
        ("baseline", 5, False),
        ("fillin", 5, True),
    ]
