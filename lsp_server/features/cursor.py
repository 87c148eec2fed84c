"""`fillin/didChangeCursor`: where the cursor rests, so the server can warm that prompt.

LSP does not tell a server where the cursor is until the first completion request, so a
newly opened file would pay a cold prompt on its first suggestion. fillin's own clients
send this notification when the cursor comes to rest (debounced) and when an editor gains
focus or opens a file, but only for buffers where suggestions are on:

    fillin/didChangeCursor {"textDocument": {"uri", "version"}, "position": {"line",
    "character"}}

The server then evaluates the prompt for that position into the model server's cache
(`lsp_server.prepare.warm_up`), with the same checks a completion makes (ignored files,
`completion.enabled`, the folder's trust), giving way to any real request. A client that
sends it declares so at `initialize` with `capabilities.experimental.fillin.didChangeCursor
= true`; the server then leaves warm-ups on open to that client, which knows which buffers
the user turned off. Every params field is untrusted: an unknown URI, a stale version or a
position outside the document is dropped with one debug line, and nothing is answered.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import attrs
from lsprotocol import types

from context.errors import PositionError
from lsp_server.convert import from_lsp_position
from lsp_server.prepare import warm_up
from lsp_server.protocol import notification_type, register_message
from lsp_server.server import FillinServer

logger = logging.getLogger(__name__)

DID_CHANGE_CURSOR = "fillin/didChangeCursor"
CAPABILITY = "didChangeCursor"
"""The key under `capabilities.experimental.fillin` that a client sets to say it sends
`fillin/didChangeCursor`."""


@attrs.define
class CursorParams:
    """Params of `fillin/didChangeCursor`: the document (with its version) and the cursor."""

    text_document: types.VersionedTextDocumentIdentifier
    position: types.Position


def register(server: FillinServer) -> None:
    """Declare the notification and register its handler."""
    register_message(DID_CHANGE_CURSOR, notification_type(DID_CHANGE_CURSOR, CursorParams))
    server.feature(DID_CHANGE_CURSOR)(did_change_cursor)


def sends_cursor(ls: FillinServer) -> bool:
    """Whether the client sends `fillin/didChangeCursor`: it declared so in
    `capabilities.experimental`, or it has sent one."""
    if ls.state.sends_cursor:
        return True
    experimental = ls.client_capabilities.experimental
    fillin = experimental.get("fillin") if isinstance(experimental, Mapping) else None
    return isinstance(fillin, Mapping) and fillin.get(CAPABILITY) is True


def did_change_cursor(ls: FillinServer, params: CursorParams) -> None:
    """Warm the prompt for the position where the cursor came to rest."""
    state = ls.state
    uri = params.text_document.uri
    # A client that sends the notification knows the cursor, even if it did not declare it.
    state.sends_cursor = True
    document = state.documents.get(uri)
    if document is None:
        logger.debug("%s: %s is not open; no warm-up", DID_CHANGE_CURSOR, uri)
        return
    if params.text_document.version != document.version:
        logger.debug(
            "%s: %s is at version %s, not %s; no warm-up",
            DID_CHANGE_CURSOR,
            uri,
            document.version,
            params.text_document.version,
        )
        return
    try:
        offset = from_lsp_position(document, params.position, state.encoding)
    except PositionError as exc:
        logger.debug("%s: %s: %s; no warm-up", DID_CHANGE_CURSOR, uri, exc)
        return
    # The user may ask for a suggestion any moment now: each step of this warm-up is one
    # latency target's worth, so the request waits at most that long behind it, and it then
    # sends the warmed prompt itself.
    warm_up(state, document, offset, n_targets=1)
