"""What the server does with every answered completion, whichever feature answered it.

Inline suggestions, completion items and generated code all end here: `report_result` logs
the outcome, shows a model server failure once (rate-limited per kind of failure), and tells
the server's completion listeners (the acceptance statistics) which `Surface` the answer was
shown on. There is no other path, so every surface is logged and counted the same way.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

from lsprotocol.types import MessageType

from context.errors import DefaultModelMissing
from context.pipeline import IGNORED_DOCUMENT, CompletionRequest, CompletionResult

if TYPE_CHECKING:
    from lsp_server.server import FillinServer

logger = logging.getLogger(__name__)

Surface = Literal["inline", "completion", "generate"]
"""Where an answer is shown: ghost text, a completion item, or a generate-from-comment edit."""


def report_result(
    ls: FillinServer, request: CompletionRequest, result: CompletionResult, surface: Surface
) -> None:
    """Log a completion, show a model server failure (rate-limited), and tell listeners."""
    timings, cost = result.timings, result.cost
    logger.debug(
        "%s %s:%d: %d suggestion(s), %d rejected, context %.1f ms, total %.1f ms, "
        "from the %s, %s prompt tokens evaluated, %s reused",
        surface,
        request.document.uri,
        request.offset,
        len(result.suggestions),
        len(result.rejected),
        timings.context_ms,
        timings.total_ms,
        cost.source if cost else "model",
        cost.n_prompt_evaluated if cost else "?",
        cost.n_prompt_reused if cost else "?",
    )
    # A missing default model is installed instead of reported (features/default_model.py).
    if result.error is not None and not isinstance(result.error, DefaultModelMissing):
        ls.notices.show(f"backend:{type(result.error).__name__}", f"fillin: {result.error}")
    if any(r.reason == IGNORED_DOCUMENT for r in result.rejected):
        ls.notices.show(
            f"ignored:{request.document.uri}",
            f"fillin: no suggestions in {request.document.uri}: {IGNORED_DOCUMENT}",
            MessageType.Info,
        )
    ls.state.completed(request, result, surface)
