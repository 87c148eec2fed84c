"""`fillin/context`: the prompt that a completion at a position would send, and its parts.

Params `{"textDocument": {"uri"}, "position"}`; result `{"prompt", "sections": [{"source",
"path", "startLine", "endLine", "tokens", "text"}], "tokensUsed", "budgetTokens",
"elapsedMs", "cost": {"source", "promptTokens", "promptTokensEvaluated",
"promptTokensReused", "firstTokenMs", "budgetTokens"}}` (lines 1-based; the cost is what
sending the prompt now would take, as estimated from the server's measured rate and what
it has cached), the same data as `fillin context FILE:LINE:COL --json`,
since both come from `context.pipeline.report_context`.
"""

from __future__ import annotations

from typing import Any

from context.pipeline import report_context
from lsp_server.protocol import CONTEXT, ContextParams
from lsp_server.server import FillinServer
from lsp_server.shapes import context_report_json
from lsp_server.snapshot import snapshot_at


def register(server: FillinServer) -> None:
    """Register the `fillin/context` request."""
    server.feature(CONTEXT)(context)


async def context(ls: FillinServer, params: ContextParams) -> dict[str, Any]:
    """Show the prompt for a completion at a position."""
    document, offset = snapshot_at(ls.state, params.text_document, params.position)
    report = await report_context(ls.state.engine_for(document), document, offset)
    return context_report_json(report)
