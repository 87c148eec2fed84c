"""One model call per position through `fillin serve`: typing through a suggestion, the
item and the inline suggestion together, and a warm-up on open.

A real `fillin serve` over stdio; the model service is the deterministic loopback
stand-in (tests/modelserver.py), since the tests count its requests and need exact text.
The client never sends `fillin/didAcceptCompletion`: typing through works for any client.
"""

from __future__ import annotations

import asyncio

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import (
    Opened,
    initialize,
    inline_completion,
    items_of,
    model_settings,
    open_fixture,
)
from tests.modelserver import ModelServer

CART = "project/src/shop/cart.py"
SUGGESTION = "return sum(item.price * item.quantity for item in items)"


def _type(client: LanguageClient, opened: Opened, text: str, version: int) -> Opened:
    """Insert `text` at the cursor, as a keystroke does; the cursor moves after it."""
    at = opened.position
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=opened.uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=at, end=at), text=text
                )
            ],
        )
    )
    moved = types.Position(line=at.line, character=at.character + len(text))
    return Opened(uri=opened.uri, text=opened.text, position=moved)


async def test_typing_through_a_suggestion_returns_the_rest_with_no_model_call(
    client: LanguageClient, model_server: ModelServer
) -> None:
    model_server.replies = [SUGGESTION + "\n", "never asked\n"]
    await initialize(client, model_settings(model_server, template="prefix-only"))
    opened = open_fixture(client, CART)

    first = items_of(await inline_completion(client, opened))
    typed = _type(client, opened, "ret", version=2)
    rest = items_of(await inline_completion(client, typed))
    typed = _type(client, typed, "u", version=3)
    more = items_of(await inline_completion(client, typed))

    assert [item.insert_text for item in first] == [SUGGESTION]
    assert [item.insert_text for item in rest] == [SUGGESTION[3:]]
    assert [item.insert_text for item in more] == [SUGGESTION[4:]]
    assert len(model_server.completion_requests) == 1


async def test_typing_something_else_asks_the_model_again(
    client: LanguageClient, model_server: ModelServer
) -> None:
    model_server.replies = [SUGGESTION + "\n", "0\n"]
    await initialize(client, model_settings(model_server, template="prefix-only"))
    opened = open_fixture(client, CART)

    await inline_completion(client, opened)
    typed = _type(client, opened, "x = ", version=2)
    other = items_of(await inline_completion(client, typed))

    assert [item.insert_text for item in other] == ["0"]
    assert len(model_server.completion_requests) == 2


async def test_the_item_and_the_inline_suggestion_at_one_position_make_one_call(
    client: LanguageClient, model_server: ModelServer
) -> None:
    model_server.replies = [SUGGESTION + "\n", "never asked\n"]
    model_server.piece_delay_s = 0.02
    await initialize(client, model_settings(model_server, template="prefix-only"))
    opened = open_fixture(client, CART)

    inline, listed = await asyncio.gather(
        inline_completion(client, opened),
        client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=opened.uri),
                position=opened.position,
            )
        ),
    )

    assert [item.insert_text for item in items_of(inline)] == [SUGGESTION]
    assert isinstance(listed, types.CompletionList)
    assert [item.text_edit.new_text for item in listed.items if item.text_edit] == [SUGGESTION]
    assert len(model_server.completion_requests) == 1


async def test_opening_a_file_again_warms_the_model_server_up(
    client: LanguageClient, model_server: ModelServer
) -> None:
    """With warm-ups on, opening a document again sends a prompt-only request (llama.cpp's
    `n_predict: 0` with `cache_prompt`) for the position last asked about; the first open
    sends none, since the server does not know where the cursor is."""
    model_server.replies = [SUGGESTION + "\n"]
    settings = model_settings(model_server, template="prefix-only")
    settings["model"] = {"backend": "llamacpp", "url": model_server.url, "template": "prefix-only"}
    settings["completion"] = {"warmUp": True}
    await initialize(client, settings)
    opened = open_fixture(client, CART)
    items = items_of(await inline_completion(client, opened))
    assert all(r.body["n_predict"] > 0 for r in model_server.completion_requests)

    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=opened.uri))
    )
    open_fixture(client, CART)

    def is_warm_up(body: dict[str, object]) -> bool:
        return body["n_predict"] == 0 and body["cache_prompt"] is True

    assert await model_server.await_for(
        lambda s: any(is_warm_up(r.body) for r in s.completion_requests)
    )
    assert [item.insert_text for item in items] == [SUGGESTION]
