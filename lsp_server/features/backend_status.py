"""`fillin/status`: a notification that tells the client whether the model backend works.

The server sends `{"state": "error", "message": ..., "backend": ...}` whenever a completion
(inline or item) ends in a backend error, and `{"state": "ok", "message": "", "backend": ...}`
on the first success after an error, so a client can show the failure in its status until the
next success instead of showing a latency for an empty answer. The message is the
`BackendError`'s own, which names the reason and the fix and never carries an API key
(backends never put one in a message). Nothing is sent while the backend keeps working.
"""

from __future__ import annotations

from typing import Literal

import attrs

from context.errors import BackendError
from context.pipeline import CompletionRequest, CompletionResult
from lsp_server.protocol import register_message
from lsp_server.results import Surface
from lsp_server.server import FillinServer

STATUS = "fillin/status"


@attrs.define
class StatusParams:
    """Params of `fillin/status`."""

    state: Literal["error", "ok"]
    message: str
    backend: str


@attrs.define
class StatusNotification:
    """A `fillin/status` notification.

    Its fields have no defaults on purpose: lsprotocol's converter leaves fields that hold
    their default out of the JSON, and a message without `jsonrpc` is dropped by clients.
    """

    params: StatusParams
    method: str
    jsonrpc: str


class BackendStatus:
    """Sends `fillin/status` when the outcome of completions changes between error and ok."""

    def __init__(self, server: FillinServer) -> None:
        self._server = server
        self._is_failing = False

    def record(
        self, request: CompletionRequest, result: CompletionResult, surface: Surface
    ) -> None:
        """Tell the client about a backend error, or about the first success after one."""
        if isinstance(result.error, BackendError):
            self._is_failing = True
            self._send(StatusParams("error", str(result.error), result.backend))
        elif result.error is None and self._is_failing:
            self._is_failing = False
            self._send(StatusParams("ok", "", result.backend))

    def _send(self, params: StatusParams) -> None:
        self._server.protocol.notify(STATUS, params)


def register(server: FillinServer) -> None:
    """Declare the notification and listen to every completion the server answers."""
    register_message(STATUS, StatusNotification)
    status = BackendStatus(server)
    server.state.completion_listeners.append(status.record)
