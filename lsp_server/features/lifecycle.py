"""`initialize`, `initialized` and `shutdown`: the server's start and its clean end.

At `initialize` the server records the client's initializationOptions, the negotiated
position encoding (utf-16 unless the client offers utf-8 or utf-32) and the workspace
folders. At `initialized` it pulls the `fillin` configuration section when the client
supports `workspace/configuration`, reports settings problems, and starts indexing every
folder in the background, while a worker thread loads the pipeline's stages and tokenizer.
At `shutdown` it cancels work in flight and closes every workspace and backend, stopping an
embedded llama.cpp server.
"""

from __future__ import annotations

import asyncio
from typing import Any

from lsprotocol import types

from context.pipeline import warm_up
from lsp_server.convert import from_lsp_encoding, uri_to_path
from lsp_server.features import configuration, folders
from lsp_server.server import FillinServer


def register(server: FillinServer) -> None:
    """Register the lifecycle handlers."""
    server.feature(types.INITIALIZE)(initialize)
    server.feature(types.INITIALIZED)(initialized)
    server.feature(types.SHUTDOWN)(shutdown)


def initialize(ls: FillinServer, params: types.InitializeParams) -> None:
    """Record the client's options, position encoding and workspace folders."""
    state = ls.state
    options: Any = params.initialization_options
    state.set_client_options(options if isinstance(options, dict) else None, initial=True)
    state.encoding = from_lsp_encoding(ls.workspace.position_encoding)
    uris = [f.uri for f in params.workspace_folders or []]
    if not uris and params.root_uri:
        uris = [params.root_uri]
    for uri in uris:
        root = uri_to_path(uri)
        if root is not None:
            state.add_folder(root)


async def initialized(ls: FillinServer, params: types.InitializedParams) -> None:
    """Pull the configuration, report settings problems and start indexing."""
    ls.state.spawn(asyncio.to_thread(warm_up))
    await configuration.pull(ls)
    configuration.report_problems(ls)
    for folder in list(ls.state.folders.values()):
        folders.start_indexing(ls, folder)
    if ls.state.folders:
        await folders.watch_files(ls)


async def shutdown(ls: FillinServer, params: None) -> None:
    """Cancel work in flight and close every workspace and backend."""
    await ls.state.aclose()
