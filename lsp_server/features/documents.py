"""`textDocument/didOpen`, `didChange`, `didClose`, `didSave`: keeping documents in sync.

The server keeps its own snapshot of every open document and applies incremental changes
to it (ranges read with the negotiated position encoding), then hands the same edits, as
`context.document.TextChange`s, to the workspace that indexes the document's folder, so the
index re-parses incrementally. Open documents override the disk everywhere.
"""

from __future__ import annotations

import dataclasses

from lsprotocol import types

from lsp_server.convert import from_lsp_changes, from_lsp_document, uri_to_path
from lsp_server.features.cursor import sends_cursor
from lsp_server.prepare import prestart, warm_up
from lsp_server.server import FillinServer


def register(server: FillinServer) -> None:
    """Register the document synchronization handlers."""
    server.feature(types.TEXT_DOCUMENT_DID_OPEN)(did_open)
    server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(types.TEXT_DOCUMENT_DID_CLOSE)(did_close)
    server.feature(types.TEXT_DOCUMENT_DID_SAVE)(did_save)


def did_open(ls: FillinServer, params: types.DidOpenTextDocumentParams) -> None:
    """Start tracking a document the client opened."""
    document = from_lsp_document(params.text_document)
    ls.state.documents[document.uri] = document
    folder = ls.state.folder_for(document.path)
    if folder is not None and folder.workspace is not None:
        folder.workspace.open_document(document)
    # A client that reports the cursor warms the documents it wants suggestions in (and
    # only those: it knows the buffers the user turned off); for others, a reopened
    # document is warmed where it was last asked about.
    prestart(ls.state, document)
    if not sends_cursor(ls):
        warm_up(ls.state, document)


def did_change(ls: FillinServer, params: types.DidChangeTextDocumentParams) -> None:
    """Apply the client's edits to the server's copy and to the index."""
    state = ls.state
    document = state.documents.get(params.text_document.uri)
    if document is None:
        return
    text, changes = from_lsp_changes(document, params.content_changes, state.encoding)
    document = dataclasses.replace(document, text=text, version=params.text_document.version)
    state.documents[document.uri] = document
    folder = state.folder_for(document.path)
    if folder is not None and folder.workspace is not None:
        folder.workspace.change_document(document, changes)


def did_close(ls: FillinServer, params: types.DidCloseTextDocumentParams) -> None:
    """Stop tracking a document; the index goes back to the file on disk."""
    uri = params.text_document.uri
    ls.state.documents.pop(uri, None)
    folder = ls.state.folder_for(uri_to_path(uri))
    if folder is not None and folder.workspace is not None:
        folder.workspace.close_document(uri)


def did_save(ls: FillinServer, params: types.DidSaveTextDocumentParams) -> None:
    """Tell the index that a file changed on disk."""
    path = uri_to_path(params.text_document.uri)
    folder = ls.state.folder_for(path)
    if path is not None and folder is not None and folder.workspace is not None:
        folder.workspace.files_changed([(path, "changed")])
