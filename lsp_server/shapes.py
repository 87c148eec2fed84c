"""The JSON shapes fillin answers with, in one place: for its own LSP requests and `--json`.

Every shape uses camelCase keys and 1-based lines where a person reads them (context
sections), LSP positions where an editor applies them (validation ranges). The engine in
`context/` returns dataclasses; only this module decides how they look on the wire, so
`fillin/context` and `fillin context --json` (and `fillin/validate` and `fillin validate
--json`) cannot drift apart.
"""

from __future__ import annotations

from typing import Any

import attrs

from context.document import Document, Encoding
from context.pipeline import ValidationReport
from context.prompt.assemble import ContextReport
from lsp_server.convert import lsp_range


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
        "tokensUsed": report.prompt.n_tokens,
        "budgetTokens": report.prompt.budget_tokens,
        "elapsedMs": round(report.elapsed_ms, 3),
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
        "elapsedMs": round(report.elapsed_ms, 3),
    }
