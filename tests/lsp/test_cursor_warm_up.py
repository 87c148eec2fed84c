"""`fillin/didChangeCursor` through `fillin serve`: a warm-up for the reported position, its
reuse by the next request, the privacy of documents turned off, and untrusted params.

A real `fillin serve` over stdio; the model service is the deterministic loopback stand-in
(tests/modelserver.py, llama.cpp's `/completion` protocol), since the tests read the exact
prompts it receives and count its requests.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
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
from tests.modelserver import ModelServer, RecordedRequest

CART = "project/src/shop/cart.py"
SUGGESTION = "return sum(item.price * item.quantity for item in items)"
DID_CHANGE_CURSOR = "fillin/didChangeCursor"


def _settings(server: ModelServer, **completion: Any) -> dict[str, Any]:
    settings = model_settings(server, template="prefix-only")
    settings["model"] = {"backend": "llamacpp", "url": server.url, "template": "prefix-only"}
    settings["completion"] = {"warmUp": True, "cache": False, **completion}
    return settings


def _cursor(
    client: LanguageClient, uri: str, position: types.Position | dict[str, Any], version: int = 1
) -> None:
    at = (
        position
        if isinstance(position, dict)
        else {"line": position.line, "character": position.character}
    )
    client.protocol.notify(
        DID_CHANGE_CURSOR,
        {"textDocument": {"uri": uri, "version": version}, "position": at},
    )


def _is_warm_up(request: RecordedRequest) -> bool:
    return request.body.get("n_predict") == 0 and request.body.get("cache_prompt") is True


def _open_long(client: LanguageClient) -> Opened:
    """The cart fixture with 80 lines of constants above it, opened at its cursor."""
    opened = open_fixture(client, CART)
    filler = "".join(f"RATE_{i} = {i} * 0.25\n" for i in range(80))
    text = filler + opened.text
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=opened.uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    position = types.Position(line=opened.position.line + 80, character=opened.position.character)
    return Opened(uri=opened.uri, text=text, position=position)


def _before_cursor(opened: Opened) -> str:
    lines = opened.text.split("\n")
    head = "\n".join(lines[: opened.position.line])
    return head + "\n" + lines[opened.position.line][: opened.position.character]


async def test_the_cursor_notification_warms_the_prompt_that_the_next_request_sends(
    client: LanguageClient, model_server: ModelServer
) -> None:
    """Before anything is measured, the first warm-up is a small probe whose round trip
    sizes the next; the next holds the whole prompt, and the request sends exactly it. The
    file is longer than the probe's budget."""
    model_server.replies = lambda r: "" if r.body.get("n_predict") == 0 else SUGGESTION + "\n"
    settings = _settings(model_server)
    # Whatever rate the probe measures on a loaded machine, the next warm-up holds the
    # whole prompt: there are exactly two.
    settings["model"]["latencyTargetMs"] = 60_000
    await initialize(client, settings)
    opened = _open_long(client)
    _cursor(client, opened.uri, opened.position, version=2)

    assert await model_server.await_for(
        lambda s: sum(r.completed for r in s.completion_requests) >= 2, timeout_s=30
    )
    await asyncio.sleep(0.3)
    items = items_of(await inline_completion(client, opened))

    *warm_ups, real = model_server.completion_requests
    probe, warm = warm_ups
    assert all(_is_warm_up(r) for r in warm_ups)
    assert probe.prompt.endswith(_before_cursor(opened)[-40:])
    assert len(probe.prompt) < len(warm.prompt)
    assert warm.prompt.endswith(_before_cursor(opened))
    assert real.body["n_predict"] > 0
    # The same prompt: the server answers from what the warm-up put in its cache.
    assert real.prompt == warm.prompt
    assert [item.insert_text for item in items] == [SUGGESTION]


async def test_a_file_opened_without_a_cursor_report_is_not_warmed_for_a_cursor_client(
    client: LanguageClient, model_server: ModelServer
) -> None:
    """A client that declares the notification decides which documents are warmed: a
    document it opens again and does not report (it may have turned it off) sends nothing."""
    model_server.replies = [SUGGESTION + "\n"]
    await initialize(client, _settings(model_server))
    opened = open_fixture(client, CART)
    _cursor(client, opened.uri, opened.position)
    # A loaded machine can take seconds to start the server and load the tokenizer.
    assert await model_server.await_for(
        lambda s: any(r.completed for r in s.completion_requests), timeout_s=30
    )
    await inline_completion(client, opened)
    n_before = len(model_server.completion_requests)

    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=opened.uri))
    )
    open_fixture(client, CART)
    await asyncio.sleep(0.5)

    assert len(model_server.completion_requests) == n_before


async def test_a_document_turned_off_after_the_cursor_report_sends_nothing(
    client: LanguageClient, model_server: ModelServer
) -> None:
    """The client reports the cursor, then turns completion off before the warm-up's
    prompt is ready: the warm-up prepared under the old settings never reaches the model."""
    await initialize(client, _settings(model_server))
    opened = open_fixture(client, CART)
    _cursor(client, opened.uri, opened.position)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"fillin": {**_settings(model_server, enabled=False)}}
        )
    )
    await asyncio.sleep(1.0)
    _cursor(client, opened.uri, opened.position)
    await asyncio.sleep(0.5)

    assert model_server.completion_requests == []


async def test_an_ignored_document_is_never_warmed(
    client: LanguageClient, model_server: ModelServer, tmp_path: Any
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".gitignore").write_text("secret.py\n", encoding="utf-8")
    secret = root / "secret.py"
    secret.write_text("TOKEN = 'abc'\n", encoding="utf-8")
    settings = _settings(model_server)
    settings["index"] = {"enabled": True, "directory": str(tmp_path / "index")}
    await initialize(client, settings, folders=[root])
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=secret.as_uri(), language_id="python", version=1, text="TOKEN = 'abc'\n"
            )
        )
    )
    _cursor(client, secret.as_uri(), types.Position(line=1, character=0))
    await asyncio.sleep(1.0)

    assert model_server.completion_requests == []


async def test_bad_cursor_reports_are_dropped_and_the_server_keeps_serving(
    client: LanguageClient, model_server: ModelServer, capfd: pytest.CaptureFixture[str]
) -> None:
    """An unknown URI, a stale version, a position past the end and malformed params
    warm nothing, each with one debug line (the server's stderr, captured), and the next
    completion is answered as usual."""
    model_server.replies = [SUGGESTION + "\n"]
    await initialize(client, {**_settings(model_server), "logLevel": "debug"})
    opened = open_fixture(client, CART)
    _cursor(client, "file:///nowhere/unknown.py", opened.position)
    _cursor(client, opened.uri, opened.position, version=7)
    _cursor(client, opened.uri, {"line": 10_000, "character": 3})
    _cursor(client, opened.uri, {"line": -1, "character": "x"})
    client.protocol.notify(DID_CHANGE_CURSOR, {"textDocument": 3})
    await asyncio.sleep(0.5)
    assert model_server.completion_requests == []

    items = items_of(await inline_completion(client, opened))

    assert [item.insert_text for item in items] == [SUGGESTION]
    assert [_is_warm_up(r) for r in model_server.completion_requests] == [False]
    logged = capfd.readouterr().err
    assert "file:///nowhere/unknown.py is not open; no warm-up" in logged
    assert "is at version 1, not 7; no warm-up" in logged
    assert "line 10000 is outside the document (20 lines); no warm-up" in logged
    assert f"{DID_CHANGE_CURSOR}: invalid params, dropped" in logged
    assert "Traceback" not in logged


async def test_warm_ups_that_cannot_grow_the_prompt_stop(
    client: LanguageClient, model_server: ModelServer
) -> None:
    """On a server too slow for the latency target to hold more than the probe, the
    warm-up stops once a step does not grow the prompt, instead of repeating itself and
    holding the server's one slot."""
    model_server.first_delay_s = 0.4
    settings = _settings(model_server)
    settings["model"]["latencyTargetMs"] = 150
    await initialize(client, settings)
    opened = open_fixture(client, CART)
    _cursor(client, opened.uri, opened.position)

    assert await model_server.await_for(
        lambda s: sum(r.completed for r in s.completion_requests) >= 2, timeout_s=30
    )
    await asyncio.sleep(3.0)

    requests = model_server.completion_requests
    assert all(_is_warm_up(r) for r in requests)
    assert 2 <= len(requests) <= 3
