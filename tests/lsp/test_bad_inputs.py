"""Bad LSP inputs through a real `fillin serve` (pytest-lsp): each gets a clear answer in
time, and the server keeps serving. The loopback model server (tests/modelserver.py)
stands in for an external model service.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.client import LanguageClient as PyglsClient
from pytest_lsp import LanguageClient

from tests.lsp.conftest import initialize, model_settings, open_fixture
from tests.modelserver import ModelServer

CART = "project/src/shop/cart.py"
DEADLINE_S = 10.0

BAD_PARAMS: dict[str, dict[str, Any]] = {
    "negative line": {"position": {"line": -1, "character": 0}},
    "negative character": {"position": {"line": 0, "character": -5}},
    "line past the end": {"position": {"line": 10_000, "character": 0}},
    "huge line": {"position": {"line": 2**40, "character": 0}},
    "position of strings": {"position": {"line": "one", "character": "two"}},
    "no position": {"position": None},
    "unknown uri": {"textDocument": {"uri": "file:///nowhere/missing.py"}},
    "uri not a uri": {"textDocument": {"uri": "::::"}},
    "no text document": {"textDocument": None},
}


@pytest.mark.parametrize("method", ["fillin/validate", "fillin/context"])
@pytest.mark.parametrize("case", sorted(BAD_PARAMS))
async def test_bad_params_get_a_clear_error_in_time(
    client: LanguageClient, model_server: ModelServer, method: str, case: str
) -> None:
    await initialize(client, model_settings(model_server, template="prefix-only"))
    opened = open_fixture(client, CART)
    params: dict[str, Any] = {
        "textDocument": {"uri": opened.uri},
        "position": {"line": opened.position.line, "character": opened.position.character},
        "text": "x = 1\n",
        **BAD_PARAMS[case],
    }
    with pytest.raises(JsonRpcException) as caught:
        await asyncio.wait_for(client.protocol.send_request_async(method, params), DEADLINE_S)
    assert caught.value.message
    good = {**params, "textDocument": {"uri": opened.uri}, "position": {"line": 0, "character": 0}}
    assert await asyncio.wait_for(client.protocol.send_request_async(method, good), DEADLINE_S)


async def test_a_stream_of_bad_requests_leaves_the_log_quiet(tmp_path: Path) -> None:
    """Refused requests are answered with one debug line each, never a traceback: a client
    that keeps sending them must not fill a stderr pipe that nobody reads (which stalled
    the server after about 155 requests in the soak)."""
    log = tmp_path / "stderr.log"
    server = f"exec {sys.executable} -m lsp_server serve --log-level info 2>>{log}"
    client = PyglsClient("bad-inputs", "1")
    await client.start_io("sh", "-c", server)
    try:
        await client.initialize_async(
            types.InitializeParams(capabilities=types.ClientCapabilities())
        )
        client.initialized(types.InitializedParams())
        for idx, case in enumerate(sorted(BAD_PARAMS) * 8):
            params = {
                "textDocument": {"uri": "file:///nowhere/missing.py"},
                "position": {"line": 0, "character": 0},
                "text": "x\n",
                **BAD_PARAMS[case],
            }
            method = ("fillin/validate", "fillin/context")[idx % 2]
            with pytest.raises(JsonRpcException):
                await asyncio.wait_for(
                    client.protocol.send_request_async(method, params), DEADLINE_S
                )
        await asyncio.wait_for(client.shutdown_async(None), DEADLINE_S)
        client.exit(None)
    finally:
        await asyncio.wait_for(client.stop(), DEADLINE_S)
    assert "Traceback" not in log.read_text()
    assert log.stat().st_size < 2_000
