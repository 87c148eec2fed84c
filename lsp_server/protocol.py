"""fillin's own JSON-RPC messages, typed like lsprotocol's so pygls structures them.

pygls looks up the parameter type of each method in lsprotocol's table; for a method it does
not know it hands handlers an untyped namedtuple. `FillinProtocol` adds fillin's requests to
that table, so their handlers receive attrs classes with camelCase JSON names (lsprotocol's
converter renames fields of any attrs class) and malformed params are rejected before a
handler runs.

Requests: `fillin/context` and `fillin/validate`. Other features declare their own messages
(`fillin/didShowCompletion`, ...) through `register_message`.
"""

from __future__ import annotations

import logging
import types as pytypes
from concurrent.futures import Future
from typing import Any

import attrs
import cattrs
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcInvalidRequest
from pygls.protocol import JsonRPCRequestMessage, LanguageServerProtocol

logger = logging.getLogger(__name__)

_ANSWERED = pytypes.SimpleNamespace(jsonrpc="answered")
"""What a request that was answered with an error while being read becomes."""

CONTEXT = "fillin/context"
VALIDATE = "fillin/validate"


@attrs.define
class ContextParams:
    """Params of `fillin/context`: the prompt for a completion at a position."""

    text_document: types.TextDocumentIdentifier
    position: types.Position


@attrs.define
class ValidateParams:
    """Params of `fillin/validate`: check `text` as if inserted at a position."""

    text_document: types.TextDocumentIdentifier
    position: types.Position
    text: str


@attrs.define
class ContextRequest:
    """A `fillin/context` request."""

    id: int | str
    params: ContextParams
    method: str = CONTEXT
    jsonrpc: str = "2.0"


@attrs.define
class ValidateRequest:
    """A `fillin/validate` request."""

    id: int | str
    params: ValidateParams
    method: str = VALIDATE
    jsonrpc: str = "2.0"


_MESSAGES: dict[str, type[Any]] = {CONTEXT: ContextRequest, VALIDATE: ValidateRequest}


def notification_type(method: str, params: type[Any]) -> type[Any]:
    """An attrs class for a JSON-RPC notification of `method` whose params are `params`."""
    return attrs.make_class(
        f"{params.__name__}Notification",
        {
            "params": attrs.field(type=params),
            "method": attrs.field(type=str, default=method),
            "jsonrpc": attrs.field(type=str, default="2.0"),
        },
    )


def register_message(method: str, message_type: type[Any]) -> None:
    """Declare the class of a custom message (such as a `notification_type`)."""
    _MESSAGES[method] = message_type


class FillinProtocol(LanguageServerProtocol):
    """pygls' LSP protocol that also knows fillin's custom messages, and refuses every
    message of a TCP client until its `initialize` presents the token (`lsp_server.listen`)."""

    def handle_message(self, message: Any) -> None:
        """Pass `message` on to its handler once the client is authenticated (a request
        already refused for its params is dropped here)."""
        if message is _ANSWERED:
            return
        if is_admitted(self, message):
            super().handle_message(message)

    # pygls caches its lookup with functools.lru_cache, which mypy types as an attribute.
    def get_message_type(self, method: str) -> type[Any] | None:  # type: ignore[override]
        """The attrs class that the message of `method` is structured into."""
        return _MESSAGES.get(method) or super().get_message_type(method)

    def _send_handler_result(self, future: Future[Any], *, msg_id: Any) -> None:
        """Answer a request whose handler refused its input (a `JsonRpcException`, such as
        InvalidParams for a position outside the document) with that error and one debug
        line; anything else goes to pygls, which logs it as the server error it is.

        pygls logs every refusal with a traceback at error level, so a client that keeps
        sending bad positions would flood the log (and fill a stderr pipe nobody reads).
        """
        if future.done() and not future.cancelled():
            exc = future.exception()
            if isinstance(exc, JsonRpcException):
                self._request_futures.pop(msg_id, None)
                logger.debug("request %s refused: %s", msg_id, exc)
                self._send_response(msg_id, error=exc.to_response_error())
                return
        super()._send_handler_result(future, msg_id=msg_id)

    def structure_message(self, data: dict[str, Any]) -> Any:
        """The message `data` structured; a request that cannot be is answered with an error.

        pygls logs such a request (a traceback, at error level) and drops it, so the client
        would wait for an answer that never comes (an editor's 30 s timeout); here it gets
        one at once, naming the bad fields, with one line in the debug log, and the message
        itself is then ignored. Requests are structured here rather than by pygls so that a
        client sending bad params in a loop cannot flood the log (a stderr pipe that fills
        up would stall the server).
        """
        if "jsonrpc" in data and "id" not in data and data.get("method") in _MESSAGES:
            return self._structure_notification(data)
        if "jsonrpc" not in data or "id" not in data or "method" not in data or "error" in data:
            return super().structure_message(data)
        request_type = self.get_message_type(data["method"]) or JsonRPCRequestMessage
        try:
            return self._converter.structure(data, request_type)
        except Exception as exc:
            where = (
                "; ".join(cattrs.transform_error(exc))
                if isinstance(exc, cattrs.ClassValidationError)
                else str(exc)
            )
            message = f"{data['method']}: invalid params ({where[:300]})"
            logger.debug("%s", message)
            error = JsonRpcInvalidParams(message)
            self._send_response(data["id"], error=error.to_response_error())
            return _ANSWERED

    def _structure_notification(self, data: dict[str, Any]) -> Any:
        """One of fillin's own notifications structured; one that cannot be is dropped with
        a debug line (pygls would log a traceback at error level for each one)."""
        try:
            return self._converter.structure(data, _MESSAGES[data["method"]])
        except Exception as exc:
            where = (
                "; ".join(cattrs.transform_error(exc))
                if isinstance(exc, cattrs.ClassValidationError)
                else str(exc)
            )
            logger.debug("%s: invalid params, dropped (%s)", data["method"], where[:300])
            return _ANSWERED


def is_admitted(protocol: LanguageServerProtocol, message: Any) -> bool:
    """Whether `message` may be handled: no token is needed, the client presented it, or this
    is the `initialize` that presents it. Answers a refused request with an error, and
    closes the connection after a wrong token."""
    from lsp_server.listen import TOKEN_OPTION, is_token_accepted

    state = getattr(protocol._server, "state", None)
    token = getattr(state, "required_token", None)
    if state is None or token is None or state.is_authenticated:
        return True
    method = getattr(message, "method", None)
    msg_id = getattr(message, "id", None)
    if method == types.INITIALIZE and msg_id is not None:
        options = getattr(message.params, "initialization_options", None)
        presented = options.get(TOKEN_OPTION) if isinstance(options, dict) else None
        if is_token_accepted(presented, token):
            state.is_authenticated = True
            return True
        error = JsonRpcInvalidRequest(
            f"fillin: initializationOptions.{TOKEN_OPTION} is missing or wrong (send the "
            f"token from {state.token_path})"
        ).to_response_error()
        protocol._send_response(msg_id, error=error)
        writer = protocol.writer
        if writer is not None:
            writer.close()
        return False
    if msg_id is not None and method is not None:
        error = JsonRpcInvalidRequest(
            "fillin: initialize with the token first (initializationOptions.token)"
        ).to_response_error()
        protocol._send_response(msg_id, error=error)
    return False
