"""The JSON shapes fillin answers with, in one place: for its own LSP requests and `--json`.

Every shape uses camelCase keys and 1-based lines where a person reads them (context
sections, eval attempts), LSP positions where an editor applies them (validation ranges).
The engine in `context/` returns dataclasses; only this module decides how they look on the
wire, so `fillin/context` and `fillin context --json` (and `fillin/validate` and `fillin
validate --json`) cannot drift apart, and `fillin stats --json` and `fillin eval --json`
follow the same convention.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import attrs

from context.document import Document, Encoding
from context.pipeline import CompletionResult, ContextReport, Cost, ValidationReport
from lsp_server.convert import lsp_range

if TYPE_CHECKING:
    # The server never runs an eval or reads statistics as a whole: it need not import them.
    from context.evaluate import EvalReport, Summary
    from context.stats import GroupStats, Percentiles, StatsReport


def context_report_json(report: ContextReport) -> dict[str, Any]:
    """A context report as `fillin/context` and `fillin context --json` return it."""
    return {
        "prompt": report.prompt.text,
        "sections": [
            {
                "source": s.source,
                "path": s.path,
                "startLine": s.start_line + 1,
                "endLine": s.end_line + 1,
                "tokens": s.n_tokens,
                "text": s.text,
            }
            for s in report.prompt.sections
        ],
        "redactions": [
            {"kind": f.kind, "source": f.source, "path": f.path, "line": f.line_idx + 1}
            for f in report.prompt.redactions
        ],
        "tokensUsed": report.prompt.n_tokens,
        "budgetTokens": report.prompt.budget_tokens,
        "elapsedMs": _ms(report.elapsed_ms),
        **({"cost": cost_json(report.cost)} if report.cost is not None else {}),
    }


def completion_result_json(result: CompletionResult, document: Document) -> dict[str, Any]:
    """A completion result as `fillin complete --json` prints it (1-based lines and columns,
    as the command line takes them)."""
    best = result.suggestions[0] if result.suggestions else None
    timings = result.timings
    return {
        "text": best.text if best else None,
        "id": best.id if best else None,
        "range": _line_column_range(document, best.start_offset, best.end_offset) if best else None,
        "backend": result.backend,
        "timings": {
            "contextMs": _ms(timings.context_ms),
            "firstTokenMs": _ms(timings.first_token_ms),
            "totalMs": _ms(timings.total_ms),
        },
        "stopReason": best.stop_reason if best else None,
        "problems": [
            {"kind": p.kind, "message": p.message} for p in (best.problems if best else ())
        ],
        "actions": list(best.actions) if best else [],
        "rejected": [{"reason": r.reason, "text": r.text} for r in result.rejected],
        "promptTokens": result.prompt.n_tokens if result.prompt else None,
        "cost": cost_json(result.cost) if result.cost else None,
        "error": str(result.error) if result.error else None,
    }


def cost_json(cost: Cost) -> dict[str, Any]:
    """What an answer cost, as `fillin complete --json` and `fillin/context` show it."""
    return {
        "source": cost.source,
        "promptTokens": cost.n_prompt_tokens,
        "promptTokensEvaluated": cost.n_prompt_evaluated,
        "promptTokensReused": cost.n_prompt_reused,
        "firstTokenMs": _ms(cost.first_token_ms),
        "budgetTokens": cost.budget_tokens,
    }


def validation_report_json(
    report: ValidationReport, document: Document, offset: int, text: str, encoding: Encoding
) -> dict[str, Any]:
    """A validation report as `fillin/validate` and `fillin validate --json` return it.

    Problem offsets count into the suggestion; ranges are given in the document with the
    suggestion inserted, where the problems would be. `policy` says what completion would
    show: the text kept (null when rejected), each policy's action and why it was rejected.
    """
    spliced = document.with_text(document.text[:offset] + text + document.text[offset:])
    problems = [
        {
            "kind": p.kind,
            "message": p.message,
            "range": attrs.asdict(
                lsp_range(spliced, offset + p.start_offset, offset + p.end_offset, encoding)
            ),
        }
        for p in report.problems
    ]
    outcome = report.outcome
    return {
        "ok": report.is_ok,
        "problems": problems,
        "policy": {
            "text": outcome.text,
            "actions": list(outcome.actions),
            "reason": outcome.reason,
        },
        "elapsedMs": _ms(report.elapsed_ms),
    }


def stats_report_json(report: StatsReport) -> dict[str, Any]:
    """Acceptance statistics as `fillin stats --json` prints them: `database`, `since`,
    `overall`, then `byLanguage`, `byModel`, `byTrigger`."""
    data: dict[str, Any] = {
        "database": str(report.path),
        "since": report.since,
        "overall": _group_json(report.overall),
    }
    for dimension, groups in report.by.items():
        data["by" + dimension.title()] = {name: _group_json(g) for name, g in groups.items()}
    return data


def eval_report_json(report: EvalReport) -> dict[str, Any]:
    """An eval run as `fillin eval --json` prints it: the run, each configuration's figures
    (over all holes and per kind), and every attempt."""
    from context.evaluate import CONFIGURATIONS, HOLE_KINDS

    ran = report.holes[: report.n_holes_run]
    return {
        "root": str(report.root),
        "backend": report.backend,
        "model": report.model,
        "seed": report.options.seed,
        "holesMade": len(report.holes),
        "holesRun": report.n_holes_run,
        "holesByKind": dict(Counter(h.kind for h in ran)),
        "candidates": dict(report.n_candidates),
        "stoppedEarly": report.is_stopped_early,
        "elapsedS": report.elapsed_s,
        "secondsPerHole": report.seconds_per_hole,
        "configurations": {
            configuration: {
                "all": _summary_json(report.summary(configuration)),
                **{kind: _summary_json(report.summary(configuration, kind)) for kind in HOLE_KINDS},
            }
            for configuration in CONFIGURATIONS
        },
        "attempts": [
            {
                "path": a.hole.rel_path,
                "line": a.hole.line_idx + 1,
                "kind": a.hole.kind,
                "configuration": a.configuration,
                "expected": a.hole.expected,
                "suggestion": a.suggestion,
                "exact": a.is_exact,
                "similarity": a.similarity,
                "outcome": a.outcome,
                "valid": a.is_valid,
                "firstTokenMs": a.first_token_ms,
                "totalMs": a.total_ms,
                "detail": a.detail,
            }
            for a in report.attempts
        ],
    }


def _percentiles_json(percentiles: Percentiles) -> dict[str, Any]:
    return {
        "n": percentiles.n,
        "p50": percentiles.p50,
        "p90": percentiles.p90,
        "p95": percentiles.p95,
    }


def _group_json(group: GroupStats) -> dict[str, Any]:
    return {
        "suggestions": group.n_suggestions,
        "shown": group.n_shown,
        "accepted": group.n_accepted,
        "dismissed": group.n_dismissed,
        "acceptanceRate": group.acceptance_rate,
        "shownChars": group.shown_chars,
        "acceptedChars": group.accepted_chars,
        "firstTokenMs": _percentiles_json(group.first_token_ms),
        "totalMs": _percentiles_json(group.total_ms),
        "outcomes": dict(group.outcomes),
    }


def _summary_json(summary: Summary) -> dict[str, Any]:
    return {
        "holes": summary.n_holes,
        "suggestions": summary.n_suggestions,
        "exact": summary.n_exact,
        "exactMatch": summary.exact_match,
        "editSimilarity": summary.edit_similarity,
        "valid": summary.n_valid,
        "validShare": summary.valid_share,
        "outcomes": dict(summary.outcomes),
        "firstTokenMs": _percentiles_json(summary.first_token_ms),
        "totalMs": _percentiles_json(summary.total_ms),
    }


def _line_column_range(document: Document, start: int, end: int) -> dict[str, Any]:
    def point(offset: int) -> dict[str, int]:
        line_idx, column = document.position_at(offset, "utf-32")
        return {"line": line_idx + 1, "column": column + 1}

    return {"start": point(start), "end": point(end)}


def _ms(value: float | None) -> float | None:
    """Milliseconds as every shape shows them: to the microsecond, or None when unknown."""
    return None if value is None else round(value, 3)
