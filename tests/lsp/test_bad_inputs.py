"""Bad LSP inputs through a real `fillin serve` (pytest-lsp): each gets a clear answer in
time, and the server keeps serving. The loopback model server (tests/modelserver.py)
stands in for an external model service.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pygls.exceptions import JsonRpcException
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
