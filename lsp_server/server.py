"""The fillin language server: a pygls server, its state, and the features registered on it.

Each LSP feature lives in its own module `lsp_server/features/<name>.py`, which defines
`register(server)` and decorates its typed handlers there. `create_server` imports every
module named in `FEATURES` and calls its `register`; a feature module that is not installed
in this tree is skipped. Handlers find everything they need on the server they are given
(`server.state`, `server.notices`); nothing is global.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from lsp_server.notices import Notices
from lsp_server.protocol import FillinProtocol
from lsp_server.state import ServerState

logger = logging.getLogger(__name__)

FEATURES = (
    "lifecycle",
    "documents",
    "folders",
    "configuration",
    "inline_completion",
    "completion",
    "cursor",
    "code_action",
    "stats",
    "backend_status",
    "default_model",
    "context",
    "validate",
)
"""Feature modules under `lsp_server.features`, registered in this order."""

VERSION = "0.1.0"


class FillinServer(LanguageServer):
    """A pygls language server that carries fillin's state."""

    def __init__(self, state: ServerState) -> None:
        super().__init__(
            "fillin",
            VERSION,
            protocol_cls=FillinProtocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self.state = state
        self.notices = Notices(self)


def create_server(model_overrides: Mapping[str, str | None] | None = None) -> FillinServer:
    """A server with every available feature registered; overrides win over all settings."""
    server = FillinServer(ServerState(model_overrides))
    for name in FEATURES:
        module_name = f"lsp_server.features.{name}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            logger.debug("feature %s is not available", name)
            continue
        module.register(server)
    return server
