"""The shared HTTP layer (context/backends/http.py) as every backend meets it.

Errors, timeouts, early closing and API keys are exercised through real backends talking
to a `ScriptedServer` (a deterministic stand-in for a model service, see conftest.py),
because a real model cannot be made to fail on cue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from contextlib import aclosing

import pytest

from context.backends import Backend, GenerationRequest
from context.backends.http import is_loopback, openai_url
from context.backends.llamacpp import LlamaCppBackend
from context.backends.ollama import OllamaBackend
from context.backends.openai import OpenAIBackend
from context.backends.openai_chat import OpenAIChatBackend
from context.errors import BackendProtocolError, BackendTimeout, BackendUnavailable
from context.prompt.templates import PREFIX_ONLY
from context.settings import ModelSettings
from tests.modelserver import Received, Route, ScriptedReply, ScriptedServer, sse

REQUEST = GenerationRequest(prompt="x = ", prefix="x = ", suffix="\n", max_tokens=8)
Scripted = Callable[[Mapping[str, Route]], ScriptedServer]


def make(kind: str, url: str, **settings: object) -> Backend:
    model = ModelSettings(url=url, name="m", **settings)  # type: ignore[arg-type]
    backends: dict[str, Callable[[], Backend]] = {
        "llamacpp": lambda: LlamaCppBackend(model, PREFIX_ONLY),
        "openai": lambda: OpenAIBackend(model, PREFIX_ONLY),
        "openai-chat": lambda: OpenAIChatBackend(model, PREFIX_ONLY),
        "ollama": lambda: OllamaBackend(model, PREFIX_ONLY),
    }
    return backends[kind]()


# The endpoint each backend streams from, and one scripted piece of text in its framing.
ENDPOINTS = {
    "llamacpp": ("/completion", sse({"content": "1", "stop": False}, done=False)),
    "openai": ("/v1/completions", sse({"choices": [{"index": 0, "text": "1"}]})),
    "openai-chat": (
        "/v1/chat/completions",
        sse({"choices": [{"index": 0, "delta": {"content": "1"}}]}),
    ),
    "ollama": ("/api/generate", [b'{"response":"1","done":false}\n']),
}


async def collect(backend: Backend, request: GenerationRequest = REQUEST) -> str:
    try:
        async with aclosing(backend.stream(request)) as pieces:
            return "".join([piece async for piece in pieces])
    finally:
        await backend.aclose()


@pytest.mark.parametrize("kind", sorted(ENDPOINTS))
async def test_unreachable_server_is_unavailable_with_a_hint(kind: str, unused_url: str) -> None:
    with pytest.raises(BackendUnavailable) as caught:
        await collect(make(kind, unused_url))
    assert str(caught.value).startswith(f"model.url: cannot connect to {unused_url} (is ")
    assert "running?)" in str(caught.value)


async def test_llamacpp_unreachable_message_names_llama_server(unused_url: str) -> None:
    with pytest.raises(BackendUnavailable) as caught:
        await collect(make("llamacpp", unused_url))
    assert str(caught.value) == (
        f"model.url: cannot connect to {unused_url} (is llama-server running?)"
    )


@pytest.mark.parametrize("kind", sorted(ENDPOINTS))
async def test_http_error_carries_the_server_message(kind: str, scripted: Scripted) -> None:
    path, _ = ENDPOINTS[kind]
    error = ScriptedReply(status=500, chunks=[b'{"error": {"message": "model exploded"}}'])
    async with scripted({path: error}) as server:
        with pytest.raises(BackendProtocolError) as caught:
            await collect(make(kind, server.url))
    assert str(caught.value).endswith("answered HTTP 500: model exploded")


@pytest.mark.parametrize("kind", sorted(ENDPOINTS))
async def test_malformed_json_is_a_protocol_error(kind: str, scripted: Scripted) -> None:
    path, _ = ENDPOINTS[kind]
    chunks = [b"data: {not json\n\n"] if kind != "ollama" else [b"{not json\n"]
    async with scripted({path: ScriptedReply(chunks=chunks)}) as server:
        with pytest.raises(BackendProtocolError, match="not JSON"):
            await collect(make(kind, server.url))


async def test_an_error_object_mid_stream_is_a_protocol_error(scripted: Scripted) -> None:
    chunks = [b'{"response":"x","done":false}\n', b'{"error":"out of memory"}\n']
    async with scripted({"/api/generate": ScriptedReply(chunks=chunks)}) as server:
        with pytest.raises(BackendProtocolError, match="out of memory"):
            await collect(make("ollama", server.url))


@pytest.mark.parametrize("kind", sorted(ENDPOINTS))
async def test_a_stalled_server_times_out(kind: str, scripted: Scripted) -> None:
    path, chunks = ENDPOINTS[kind]
    async with scripted({path: ScriptedReply(chunks=chunks, first_delay_s=2.0)}) as server:
        with pytest.raises(BackendTimeout) as caught:
            await collect(make(kind, server.url, first_token_timeout_ms=150, timeout_ms=150))
    assert "did not answer within 150 ms" in str(caught.value)
    assert str(caught.value).startswith("model.firstTokenTimeoutMs: ")


@pytest.mark.parametrize("kind", sorted(ENDPOINTS))
async def test_a_cold_prompt_may_take_longer_than_the_gap_between_pieces(
    kind: str, scripted: Scripted
) -> None:
    """The stand-in sends its headers at once and its first piece 0.4 s later, as llama.cpp
    does while it evaluates a prompt; the 150 ms gap only counts after that first piece."""
    path, chunks = ENDPOINTS[kind]
    async with scripted({path: ScriptedReply(chunks=[b"".join(chunks)], delay_s=0.4)}) as server:
        text = await collect(make(kind, server.url, timeout_ms=150))
    assert text == "1"


@pytest.mark.parametrize("kind", sorted(ENDPOINTS))
async def test_a_stall_between_pieces_times_out_on_the_gap(kind: str, scripted: Scripted) -> None:
    path, chunks = ENDPOINTS[kind]
    stalled = ScriptedReply(chunks=[chunks[0], *chunks], delay_s=0.4)
    async with scripted({path: stalled}) as server:
        with pytest.raises(BackendTimeout) as caught:
            await collect(make(kind, server.url, timeout_ms=150))
    assert str(caught.value).startswith("model.timeoutMs: ")
    assert "no next piece within 150 ms" in str(caught.value)


@pytest.mark.parametrize("kind", sorted(ENDPOINTS))
async def test_closing_the_stream_early_closes_the_connection(
    kind: str, scripted: Scripted
) -> None:
    path, chunks = ENDPOINTS[kind]
    endless = ScriptedReply(chunks=list(chunks) * 200, delay_s=0.02)
    async with scripted({path: endless}) as server:
        backend = make(kind, server.url)
        async with aclosing(backend.stream(REQUEST)) as pieces:
            assert await anext(pieces) == "1"
        await asyncio.wait_for(server.received[0].disconnected.wait(), timeout=2)
        await backend.aclose()


async def test_cancelling_the_consumer_closes_the_connection(scripted: Scripted) -> None:
    path, chunks = ENDPOINTS["llamacpp"]
    async with scripted({path: ScriptedReply(chunks=list(chunks) * 200, delay_s=0.02)}) as server:
        backend = make("llamacpp", server.url)
        first = asyncio.Event()

        async def consume() -> None:
            async with aclosing(backend.stream(REQUEST)) as pieces:
                async for _ in pieces:
                    first.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(first.wait(), timeout=2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.wait_for(server.received[0].disconnected.wait(), timeout=2)
        await backend.aclose()


async def test_connections_are_reused(scripted: Scripted) -> None:
    path, chunks = ENDPOINTS["llamacpp"]
    done = [*chunks, *sse({"content": "", "stop": True}, done=False)]
    async with scripted({path: ScriptedReply(chunks=done)}) as server:
        backend = make("llamacpp", server.url)
        for _ in range(3):
            async with aclosing(backend.stream(REQUEST)) as pieces:
                assert [p async for p in pieces] == ["1"]
        await backend.aclose()
    assert len(server.received) == 3
    assert server.n_connections == 1


async def test_a_request_dropped_unanswered_is_sent_again(scripted: Scripted) -> None:
    path, chunks = ENDPOINTS["openai"]

    def drop_first(received: Received) -> ScriptedReply:
        return ScriptedReply(chunks=chunks, is_dropped=len(server.received) == 1)

    async with scripted({path: drop_first}) as server:
        assert await collect(make("openai", server.url)) == "1"
    assert server.paths == [path, path]


@pytest.mark.parametrize("kind", sorted(ENDPOINTS))
async def test_api_key_is_sent_as_bearer_and_never_logged(
    kind: str,
    scripted: Scripted,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "sk-test-0123456789abcdef"
    monkeypatch.setenv("FILLIN_TEST_KEY", secret)
    path, chunks = ENDPOINTS[kind]
    caplog.set_level(logging.DEBUG)
    async with scripted({path: ScriptedReply(chunks=chunks)}) as server:
        text = await collect(make(kind, server.url, api_key_env="FILLIN_TEST_KEY"))
    assert text == "1"
    assert server.received[0].headers["authorization"] == f"Bearer {secret}"
    assert caplog.records, "the request should have been logged at debug level"
    assert secret not in caplog.text


async def test_missing_api_key_variable_is_named(
    scripted: Scripted, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FILLIN_MISSING_KEY", raising=False)
    async with scripted({}) as server:
        with pytest.raises(BackendUnavailable) as caught:
            await collect(make("openai", server.url, api_key_env="FILLIN_MISSING_KEY"))
        assert server.received == []
    assert str(caught.value) == (
        "model.apiKeyEnv: the environment variable FILLIN_MISSING_KEY is not set "
        "(export it with your API key, or clear model.apiKeyEnv)"
    )


async def test_sse_comments_and_fields_are_skipped(scripted: Scripted) -> None:
    chunks = [
        b": keep-alive\n\n",
        b"event: completion\nid: 1\n",
        *sse({"choices": [{"index": 0, "text": "a"}]}, done=False),
        b"data: [DONE]\n\n",
        # Anything after [DONE] is never read.
        b"data: {not json\n\n",
    ]
    async with scripted({"/v1/completions": ScriptedReply(chunks=chunks)}) as server:
        assert await collect(make("openai", server.url)) == "a"


async def test_loopback_servers_are_reached_without_proxies(
    scripted: Scripted, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, chunks = ENDPOINTS["ollama"]
    async with scripted({}) as proxy, scripted({path: ScriptedReply(chunks=chunks)}) as server:
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(name, proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        assert await collect(make("ollama", server.url)) == "1"
    assert proxy.received == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8080", True),
        ("http://127.0.0.2:8080", True),
        ("http://localhost:11434", True),
        ("http://[::1]:8000/v1", True),
        ("http://192.168.1.20:8000/v1", False),
        ("https://api.example.com/v1", False),
    ],
)
def test_is_loopback(url: str, expected: bool) -> None:
    assert is_loopback(url) is expected


@pytest.mark.parametrize(
    ("base", "endpoint", "expected"),
    [
        ("http://h:8000", "completions", "http://h:8000/v1/completions"),
        ("http://h:8000/", "completions", "http://h:8000/v1/completions"),
        ("http://h:8000/v1", "completions", "http://h:8000/v1/completions"),
        ("http://h:8000/v1/", "chat/completions", "http://h:8000/v1/chat/completions"),
        ("http://h:8000/v1/completions", "completions", "http://h:8000/v1/completions"),
        ("https://gw.example/openai/v1", "completions", "https://gw.example/openai/v1/completions"),
    ],
)
def test_openai_url(base: str, endpoint: str, expected: str) -> None:
    assert openai_url(base, endpoint) == expected
