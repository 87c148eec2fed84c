"""A request's view of its document: the snapshot and the cursor offset, taken before any
`await`, or a clear InvalidParams error response.

A document the client has opened is read from the server's copy (open documents override
the disk); one it has not opened is read from disk only when `context.containment` allows
it: inside a workspace folder, not leaving it through a link, not ignored, under the size
cap. Anything else (a file outside every folder, `/proc/self/environ`) is refused. A
position outside the document, a missing file or a binary file fails
the request with a message that names the problem, and the server keeps serving.
"""

from __future__ import annotations

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from context.document import Document
from context.errors import PositionError
from lsp_server.convert import from_lsp_position, uri_to_path
from lsp_server.state import ServerState


def snapshot_at(
    state: ServerState, text_document: types.TextDocumentIdentifier, position: types.Position
) -> tuple[Document, int]:
    """The document snapshot and the character offset of `position` in it."""
    document = snapshot(state, text_document.uri)
    try:
        offset = from_lsp_position(document, position, state.encoding)
    except PositionError as exc:
        raise JsonRpcInvalidParams(f"{text_document.uri}: {exc}") from exc
    return document, offset


def snapshot(state: ServerState, uri: str) -> Document:
    """The current text of `uri`: the open document, or the file on disk."""
    document = state.documents.get(uri)
    if document is not None:
        return document
    path = uri_to_path(uri)
    if path is None or not path.is_file():
        raise JsonRpcInvalidParams(f"{uri} is not open and not a file on disk (open it first)")
    refusal = state.read_refusal(path)
    if refusal is not None:
        raise JsonRpcInvalidParams(f"{uri} is not open and may not be read: {refusal}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise JsonRpcInvalidParams(f"{uri}: cannot read it as UTF-8 text ({exc})") from exc
    return Document(uri=uri, text=text, path=path)
