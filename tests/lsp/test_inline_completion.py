"""`textDocument/inlineCompletion` end to end: a real `fillin serve` over stdio, driven by
pytest-lsp, completing through the loopback model server (tests/modelserver.py), which
stands in for an external model service so that prompts and replies are exact.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.lsp.conftest import (
    Opened,
    initialize,
    inline_completion,
    inline_params,
    items_of,
    model_settings,
    open_fixture,
)
from tests.modelserver import ModelServer

CART = "project/src/shop/cart.py"
GREET = "project/src/shop/greet.py"
CART_PATH = "cart.py"
"""How prompts label the cart when no workspace folder holds it: its file name."""


async def test_capabilities_are_advertised(client: LanguageClient) -> None:
    result = await initialize(client)

    capabilities = result.capabilities
    assert capabilities.inline_completion_provider is not None
    assert capabilities.position_encoding == types.PositionEncodingKind.Utf16
    sync = capabilities.text_document_sync
    assert isinstance(sync, types.TextDocumentSyncOptions)
    assert sync.change == types.TextDocumentSyncKind.Incremental
    assert result.server_info is not None and result.server_info.name == "fillin"


async def test_suggestion_is_the_models_text_at_the_cursor(
    client: LanguageClient, model_server: ModelServer
) -> None:
    model_server.replies = ["return sum(item.price * item.quantity for item in items)\n"]
    await initialize(client, model_settings(model_server, template="codellama"))
    opened = open_fixture(client, CART)

    items = items_of(await inline_completion(client, opened))

    assert [item.insert_text for item in items] == [
        "return sum(item.price * item.quantity for item in items)"
    ]
    assert items[0].range == types.Range(start=opened.position, end=opened.position)


async def test_fim_prompt_holds_prefix_and_suffix_in_template_order(
    client: LanguageClient, model_server: ModelServer
) -> None:
    await initialize(client, model_settings(model_server, template="codellama"))
    opened = open_fixture(client, CART)

    await inline_completion(client, opened)

    (request,) = model_server.completion_requests
    before, after = opened.text.split('"""The price of every item times its quantity."""\n    ')
    before += '"""The price of every item times its quantity."""\n'
    assert request.path == "/v1/completions"
    # The cursor line's head (its indentation) comes last, after the middle marker.
    assert request.body["prompt"] == f"<PRE> # path: {CART_PATH}\n{before} <SUF>{after} <MID>    "


async def test_prefix_only_prompt_is_the_text_before_the_cursor(
    client: LanguageClient, model_server: ModelServer
) -> None:
    await initialize(client, model_settings(model_server, template="prefix-only"))
    opened = open_fixture(client, CART)

    await inline_completion(client, opened)

    (request,) = model_server.completion_requests
    offset = _offset(opened)
    assert request.body["prompt"] == f"# path: {CART_PATH}\n" + opened.text[:offset]
    assert "cart_size" not in request.body["prompt"]


async def test_utf8_positions_are_negotiated_and_honoured(
    client: LanguageClient, model_server: ModelServer
) -> None:
    result = await initialize(
        client,
        model_settings(model_server, template="prefix-only"),
        encodings=[types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf16],
    )
    assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
    opened = open_fixture(client, GREET, encoding="utf-8")

    await inline_completion(client, opened)

    (request,) = model_server.completion_requests
    assert request.body["prompt"].endswith('message = "héllo 😀 " + ')


async def test_incremental_changes_reach_the_prompt(
    client: LanguageClient, model_server: ModelServer
) -> None:
    await initialize(client, model_settings(model_server, template="prefix-only"))
    opened = open_fixture(client, GREET)
    line = opened.position.line
    # Insert a word after the emoji (two UTF-16 units), then replace it: the second range
    # counts on the text that the first change left.
    edits = [
        (types.Range(start=_pos(line, 24), end=_pos(line, 24)), "big "),
        (types.Range(start=_pos(line, 24), end=_pos(line, 27)), "huge"),
    ]
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=opened.uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(range=rng, text=text) for rng, text in edits
            ],
        )
    )
    cursor = _pos(line, opened.position.character + 5)

    await inline_completion(client, opened, position=cursor)

    (request,) = model_server.completion_requests
    assert request.body["prompt"].endswith('message = "héllo 😀 huge " + ')


async def test_cancel_request_closes_the_model_stream(
    client: LanguageClient, model_server: ModelServer
) -> None:
    model_server.replies = ["x = 1\n" * 400]
    model_server.piece_delay_s = 0.02
    await initialize(client, model_settings(model_server, template="prefix-only"))
    opened = open_fixture(client, CART)

    # pytest-lsp's send_request_async is a coroutine: schedule it so the request goes out.
    pending = asyncio.ensure_future(
        client.protocol.send_request_async(
            types.TEXT_DOCUMENT_INLINE_COMPLETION, inline_params(opened), msg_id="to-cancel"
        )
    )
    assert await model_server.await_for(lambda s: len(s.completion_requests) == 1)
    await asyncio.sleep(0.1)
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="to-cancel"))

    with pytest.raises(JsonRpcException, match="cancel"):
        await pending
    assert await model_server.await_for(lambda s: s.completion_requests[0].disconnected)


async def test_newer_request_supersedes_the_older_one(
    client: LanguageClient, model_server: ModelServer
) -> None:
    model_server.replies = ["x = 1\n" * 400, "return 0\n"]
    model_server.piece_delay_s = 0.02
    await initialize(client, model_settings(model_server, template="prefix-only"))
    opened = open_fixture(client, CART)

    older = asyncio.ensure_future(
        client.text_document_inline_completion_async(inline_params(opened))
    )
    assert await model_server.await_for(lambda s: len(s.completion_requests) == 1)
    # At another position: a request at the same one would share the older one's answer.
    elsewhere = types.Position(line=opened.position.line, character=0)
    newer = await inline_completion(client, opened, position=elsewhere)

    with pytest.raises(JsonRpcException, match="cancel"):
        await older
    assert [item.insert_text for item in items_of(newer)] == ["return 0\n"]
    assert await model_server.await_for(lambda s: s.completion_requests[0].disconnected)


@pytest.mark.parametrize(
    ("bad", "key"),
    [({"maxTokens": -3}, "model.maxTokens"), ({"template": "nonsense"}, "model.template")],
)
async def test_bad_setting_is_named_and_the_server_keeps_serving(
    client: LanguageClient, model_server: ModelServer, bad: dict[str, object], key: str
) -> None:
    model_server.replies = ["return 0\n"]
    settings = model_settings(model_server, template="prefix-only")
    settings["model"].update(bad)
    await initialize(client, settings)
    opened = open_fixture(client, CART)

    items = items_of(await inline_completion(client, opened))

    assert [m.message for m in client.messages if key in m.message] != []
    assert [item.insert_text for item in items] == ["return 0"]
    assert model_server.completion_requests[0].body["max_tokens"] > 0


async def test_unreachable_backend_gives_empty_results_and_one_message(
    client: LanguageClient, unused_tcp_port: int
) -> None:
    settings = {
        "model": {"backend": "openai", "url": f"http://127.0.0.1:{unused_tcp_port}/v1"},
        "context": {"repository": False},
        "index": {"enabled": False},
    }
    await initialize(client, settings)
    opened = open_fixture(client, CART)

    results = [await inline_completion(client, opened) for _ in range(3)]

    assert all(items_of(result) == [] for result in results)
    errors = [m for m in client.messages if str(unused_tcp_port) in m.message]
    assert len(errors) == 1, client.messages


async def test_position_outside_the_document_is_an_error_not_a_crash(
    client: LanguageClient, model_server: ModelServer
) -> None:
    model_server.replies = ["return 0\n"]
    await initialize(client, model_settings(model_server, template="prefix-only"))
    opened = open_fixture(client, CART)

    with pytest.raises(JsonRpcException, match="line 500 is outside"):
        await inline_completion(client, opened, position=_pos(500, 0))
    items = items_of(await inline_completion(client, opened))

    assert [item.insert_text for item in items] == ["return 0"]


async def test_configuration_change_applies_to_the_next_request(
    client: LanguageClient, model_server: ModelServer
) -> None:
    await initialize(client, model_settings(model_server, template="prefix-only"))
    opened = open_fixture(client, CART)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"fillin": model_settings(model_server, template="codellama")}
        )
    )

    await inline_completion(client, opened)

    assert model_server.completion_requests[0].body["prompt"].startswith("<PRE> ")


async def test_configuration_is_pulled_when_the_notification_has_none(
    client: LanguageClient, model_server: ModelServer
) -> None:
    await initialize(
        client, model_settings(model_server, template="prefix-only"), configuration=True
    )
    opened = open_fixture(client, CART)
    client.set_configuration(model_settings(model_server, template="codellama"), section="fillin")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await asyncio.sleep(0.2)

    await inline_completion(client, opened)

    assert model_server.completion_requests[0].body["prompt"].startswith("<PRE> ")


def _pos(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


def _offset(opened: Opened) -> int:
    lines = opened.text.split("\n")
    return sum(len(line) + 1 for line in lines[: opened.position.line]) + opened.position.character


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("data = '\0\1\2'\n", id="binary"),
        pytest.param("data = [" + "1, " * 3000 + "]\n", id="minified"),
    ],
)
async def test_binary_and_minified_documents_get_no_suggestion(
    client: LanguageClient, model_server: ModelServer, text: str, tmp_path: Path
) -> None:
    model_server.replies = ["0\n"]
    await initialize(client, model_settings(model_server, template="prefix-only"))
    uri = (tmp_path / "blob.py").as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text
            )
        )
    )
    opened = Opened(uri=uri, text=text, position=_pos(0, len(text) - 2))

    items = items_of(await inline_completion(client, opened))

    assert items == []
    assert model_server.completion_requests == []
