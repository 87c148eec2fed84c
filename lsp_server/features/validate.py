"""`fillin/validate`: the problems a suggestion would have if inserted at a position.

Params `{"textDocument": {"uri"}, "position", "text"}`; result `{"ok", "problems": [{"kind",
"message", "range"}], "policy": {"text", "actions", "reason"}, "elapsedMs"}`, where each
range lies in the document with `text` inserted, in the negotiated position encoding, and
`policy` is what the validation policies would make of `text` (null text: rejected). The
checks are the pipeline's own (`context.pipeline.check_suggestion`), so this answers what
completion would find.
"""

from __future__ import annotations

from typing import Any

from context.pipeline import check_suggestion
from lsp_server.protocol import VALIDATE, ValidateParams
from lsp_server.server import FillinServer
from lsp_server.shapes import validation_report_json
from lsp_server.snapshot import snapshot_at


def register(server: FillinServer) -> None:
    """Register the `fillin/validate` request."""
    server.feature(VALIDATE)(validate)


async def validate(ls: FillinServer, params: ValidateParams) -> dict[str, Any]:
    """Check a suggestion as if it were inserted at a position."""
    document, offset = snapshot_at(ls.state, params.text_document, params.position)
    report = await check_suggestion(ls.state.engine_for(document), document, offset, params.text)
    return validation_report_json(report, document, offset, params.text, ls.state.encoding)
