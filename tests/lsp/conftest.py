"""Fixtures for the end-to-end LSP tests: `fillin serve` over stdio, driven by pytest-lsp.

`client` starts a real server process but does not initialize it, so each test chooses its
own initializationOptions, workspace folders and position encodings through `initialize`.
`model_server` is the deterministic loopback stand-in for an external model service
(tests/modelserver.py); tests script its replies and read the requests it received.
`open_fixture` opens a fixture file whose cursor is marked with `$0`.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import attrs
import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.modelserver import ModelServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lsp"
PROJECT = FIXTURES / "project"
CURSOR = "$0"

SERVER_COMMAND = [sys.executable, "-m", "lsp_server", "serve", "--log-level", "debug"]


@dataclass(frozen=True)
class Opened:
    """A fixture document the client opened, and the cursor position marked in it."""

    uri: str
    text: str
    position: types.Position


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND))
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    """A client connected to a fresh `fillin serve`; shut down after the test, which checks
    that the server exits cleanly (status 0 after `shutdown` and `exit`)."""
    yield
    await lsp_client.shutdown_session()
    # pygls keeps the server process in a private attribute; it is the only way to see it.
    process = lsp_client._server
    if lsp_client.capabilities is not None and process is not None:
        assert await asyncio.wait_for(process.wait(), 10) == 0


@pytest.fixture
def model_server() -> Iterator[ModelServer]:
    """A scripted loopback model server (replies with nothing until a test scripts it)."""
    with ModelServer(("",)) as server:
        yield server


def model_settings(server: ModelServer, **model: Any) -> dict[str, Any]:
    """Settings that point fillin at the loopback model server through `/v1/completions`.

    Repository context is off so that prompts hold exactly the file's text, and warm-ups
    and speculative suggestions are off so that the stand-in sees only the requests a test
    makes (the tests of those turn them on).
    """
    return {
        "model": {"backend": "openai", "url": f"{server.url}/v1", "name": "scripted", **model},
        "completion": {"warmUp": False},
        "context": {"repository": False},
        "index": {"enabled": False},
    }


async def initialize(
    client: LanguageClient,
    settings: Mapping[str, Any] | None = None,
    *,
    folders: Sequence[Path] = (),
    encodings: Sequence[types.PositionEncodingKind] = (),
    configuration: bool = False,
) -> types.InitializeResult:
    """Initialize the server with these initializationOptions, folders and encodings."""
    capabilities = types.ClientCapabilities(
        general=types.GeneralClientCapabilities(position_encodings=list(encodings) or None),
        window=types.WindowClientCapabilities(work_done_progress=True),
        workspace=types.WorkspaceClientCapabilities(
            configuration=configuration, workspace_folders=True
        ),
    )
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            initialization_options=dict(settings) if settings is not None else None,
            workspace_folders=[
                types.WorkspaceFolder(uri=folder.as_uri(), name=folder.name) for folder in folders
            ]
            or None,
        )
    )


def open_fixture(
    client: LanguageClient,
    relative: str,
    *,
    encoding: str = "utf-16",
    language_id: str = "python",
) -> Opened:
    """Open a fixture file with its `$0` marker removed; the marker gives the position."""
    path = FIXTURES / relative
    marked = path.read_text(encoding="utf-8")
    offset = marked.index(CURSOR)
    text = marked[:offset] + marked[offset + len(CURSOR) :]
    before = text[:offset]
    line = before.count("\n")
    column_text = before[before.rfind("\n") + 1 :]
    if encoding == "utf-8":
        character = len(column_text.encode("utf-8"))
    else:
        character = len(column_text.encode("utf-16-le")) // 2
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=language_id, version=1, text=text
            )
        )
    )
    return Opened(uri=uri, text=text, position=types.Position(line=line, character=character))


async def inline_completion(
    client: LanguageClient,
    opened: Opened,
    *,
    position: types.Position | None = None,
    trigger: types.InlineCompletionTriggerKind = types.InlineCompletionTriggerKind.Invoked,
) -> types.InlineCompletionList | Sequence[types.InlineCompletionItem] | None:
    """Ask for an inline completion at the fixture's cursor (or at `position`)."""
    return await client.text_document_inline_completion_async(
        inline_params(opened, position=position, trigger=trigger)
    )


def inline_params(
    opened: Opened,
    *,
    position: types.Position | None = None,
    trigger: types.InlineCompletionTriggerKind = types.InlineCompletionTriggerKind.Invoked,
) -> types.InlineCompletionParams:
    """The params of an inline completion request at the fixture's cursor."""
    return types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=opened.uri),
        position=position or opened.position,
        context=types.InlineCompletionContext(trigger_kind=trigger),
    )


def items_of(
    result: types.InlineCompletionList | Sequence[types.InlineCompletionItem] | None,
) -> list[types.InlineCompletionItem]:
    """The items of an inline completion result, whatever its shape."""
    if result is None:
        return []
    if isinstance(result, types.InlineCompletionList):
        return list(result.items)
    return list(result)


@attrs.define
class StatusNotification:
    """The message as the client reads it: its params are kept as the JSON object they are."""

    params: dict[str, Any]
    method: str = "fillin/status"
    jsonrpc: str = "2.0"


def listen(client: LanguageClient) -> list[dict[str, Any]]:
    """Collect the params of every `fillin/status` notification the client receives."""
    received: list[dict[str, Any]] = []
    # pygls' client knows only lsprotocol's messages; a custom one needs its class declared.
    known = client.protocol.get_message_type

    def message_type(method: str) -> type[Any] | None:
        return StatusNotification if method == "fillin/status" else known(method)

    client.protocol.get_message_type = message_type  # type: ignore[assignment]

    @client.feature("fillin/status")
    def on_status(params: dict[str, Any]) -> None:
        received.append(params)

    return received
