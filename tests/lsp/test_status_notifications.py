"""`fillin/status` end to end: a real `fillin serve` tells the client when the model backend
fails and when it works again. The loopback model server (tests/modelserver.py) stands in for
an external model service, so a test can make it fail (HTTP 500) and recover at will.
"""

from __future__ import annotations

import asyncio
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import (
    Opened,
    initialize,
    inline_completion,
    listen,
    model_settings,
    open_fixture,
)
from tests.modelserver import ModelServer

CART = "project/src/shop/cart.py"
REPLY = "return sum(item.price * item.quantity for item in items)\n"


def uncached(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings without the suggestion cache, so that asking again at the same position
    reaches the model server (and sees its failure) instead of the remembered suggestion."""
    settings["completion"] = {**settings.get("completion", {}), "cache": False}
    return settings


async def until(received: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """Wait until `count` notifications arrived (they travel beside the responses)."""
    for _ in range(100):
        if len(received) >= count:
            return received
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} fillin/status notifications, got {received}")


async def completion_items(client: LanguageClient, opened: Opened) -> types.CompletionList:
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=opened.uri), position=opened.position
        )
    )
    assert isinstance(result, types.CompletionList)
    return result


async def test_a_failing_backend_is_reported_until_the_next_success(
    client: LanguageClient, model_server: ModelServer
) -> None:
    received = listen(client)
    model_server.replies = [REPLY]
    await initialize(client, uncached(model_settings(model_server, template="codellama")))
    opened = open_fixture(client, CART)

    await inline_completion(client, opened)
    model_server.status = 500
    await inline_completion(client, opened)
    await inline_completion(client, opened)
    await until(received, 2)
    model_server.status = 200
    await inline_completion(client, opened)
    await inline_completion(client, opened)
    await until(received, 3)
    await asyncio.sleep(0.3)

    error = received[0]
    assert error["state"] == "error" and error["backend"] == "openai"
    assert model_server.url in error["message"] and "500" in error["message"]
    assert received[1] == error, "every failed completion repeats the error"
    assert received[2] == {"state": "ok", "message": "", "backend": "openai"}
    assert len(received) == 3, "nothing is sent while the backend keeps working"


async def test_completion_items_report_the_backend_too(
    client: LanguageClient, model_server: ModelServer
) -> None:
    received = listen(client)
    model_server.replies = [REPLY]
    model_server.status = 500
    await initialize(client, uncached(model_settings(model_server, template="codellama")))
    opened = open_fixture(client, CART)

    assert not (await completion_items(client, opened)).items
    await until(received, 1)
    model_server.status = 200
    assert (await completion_items(client, opened)).items
    await until(received, 2)

    assert [status["state"] for status in received] == ["error", "ok"]


async def test_an_unreachable_model_server_names_the_url_and_the_fix(
    client: LanguageClient, model_server: ModelServer
) -> None:
    received = listen(client)
    settings = model_settings(model_server, template="codellama")
    model_server.stop()
    await initialize(client, settings)
    opened = open_fixture(client, CART)

    await inline_completion(client, opened)
    (status,) = await until(received, 1)

    assert status["state"] == "error"
    assert status["message"].startswith("model.url: ")
    assert model_server.url in status["message"]
