"""`textDocument/inlineCompletion` (LSP 3.18): ghost-text suggestions at the cursor.

The handler snapshots the document before its first `await`, runs the pipeline, and
converts the result. It is a coroutine, so `$/cancelRequest` interrupts it at its next
`await` and closes the model stream; a newer request for the same document cancels the
older one the same way. A model server failure gives an empty list and one rate-limited
message, never an error response.
"""

from __future__ import annotations

from lsprotocol import types

from context.pipeline import CompletionRequest, complete
from lsp_server.convert import lsp_inline_completion_list
from lsp_server.prepare import after_answer, before_request
from lsp_server.results import report_result
from lsp_server.server import FillinServer
from lsp_server.snapshot import snapshot_at


def register(server: FillinServer) -> None:
    """Register the inline completion provider."""
    server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())(
        inline_completion
    )


async def inline_completion(
    ls: FillinServer, params: types.InlineCompletionParams
) -> types.InlineCompletionList:
    """Suggest text to insert at the cursor."""
    before_request(ls.state)
    document, offset = snapshot_at(ls.state, params.text_document, params.position)
    is_automatic = params.context.trigger_kind == types.InlineCompletionTriggerKind.Automatic
    request = CompletionRequest(document, offset, "automatic" if is_automatic else "invoked")
    with ls.state.superseding(document.uri):
        result = await complete(ls.state.engine_for(document), request)
    report_result(ls, request, result, "inline")
    after_answer(ls.state, request, result)
    return lsp_inline_completion_list(result, document, ls.state.encoding)
