"""Folders with the same model settings share one backend: one set of slots for one server.

The model service is the deterministic loopback stand-in (tests/modelserver.py), whose
first piece takes 0.5 s, so that two generations in flight at once would show.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import Opened, initialize, inline_params, model_settings
from tests.modelserver import ModelServer

FIRST_PIECE_S = 0.5


def _open(client: LanguageClient, path: Path, text: str) -> Opened:
    path.write_text(text, encoding="utf-8")
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=path.as_uri(), language_id="python", version=1, text=text
            )
        )
    )
    line = text.count("\n")
    return Opened(
        path.as_uri(), text, types.Position(line=line, character=len(text) - text.rfind("\n") - 1)
    )


@pytest.mark.asyncio
async def test_two_folders_on_one_single_slot_server_never_generate_at_once(
    client: LanguageClient, tmp_path: Path
) -> None:
    """With `model.slots = 1` the second folder's request reaches the server only after
    the first one's generation ended: a runtime per folder would send both at once."""
    folders = [tmp_path / "a", tmp_path / "b"]
    for folder in folders:
        folder.mkdir()
    with ModelServer(("1\n",), first_delay_s=FIRST_PIECE_S) as server:
        settings = model_settings(server, slots=1)
        settings["completion"]["cache"] = False
        await initialize(client, settings, folders=folders)
        opened = [_open(client, folder / "m.py", "x = ") for folder in folders]
        results = await asyncio.gather(
            *(client.text_document_inline_completion_async(inline_params(o)) for o in opened)
        )
        assert all(result is not None for result in results)
        first, second = sorted(server.completion_requests, key=lambda r: r.received_at)
        assert second.received_at - first.received_at >= FIRST_PIECE_S * 0.9
