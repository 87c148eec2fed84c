"""The llama.cpp backend: request building and stream parsing against a real llama-server.

The real server (the session's `llama_server`, SmolLM2 with FIM tokens declared) serves
`/completion` and `/infill`; a 135M model's text is not stable, so those tests assert on
structure. The fallback from `/infill` to `/completion` needs a server whose model cannot
infill, which the session's server is not, so that test uses a `ScriptedServer` replying
with the exact 501 body that llama.cpp sends for a model without FIM tokens.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from contextlib import aclosing

import httpx
import pytest

from context.backends import GenerationRequest
from context.backends.llamacpp import LlamaCppBackend
from context.prompt.templates import PREFIX_ONLY, get_template
from context.settings import ModelSettings
from context.snippet import Snippet
from tests.modelserver import Route, ScriptedReply, ScriptedServer, sse

Scripted = Callable[[Mapping[str, Route]], ScriptedServer]

PREFIX = "def add(a, b):\n    "
SUFFIX = "\n\nprint(add(1, 2))\n"
EXTRA = (Snippet("definition", "calc/ops.py", 0, 1, "def sub(a, b):\n    return a - b\n"),)

# llama.cpp's answer to /infill when its model has no FIM tokens (server 501 reply body).
NO_INFILL_BODY = (
    b'{"error":{"code":501,"message":"Infill is not supported by this model: prefix token is '
    b'missing. suffix token is missing. middle token is missing. ","type":"not_supported_error"}}'
)


def request(**changes: object) -> GenerationRequest:
    fields: dict[str, object] = {
        "prompt": PREFIX,
        "prefix": PREFIX,
        "suffix": SUFFIX,
        "extra": EXTRA,
        "max_tokens": 8,
        "temperature": 0.0,
    }
    return GenerationRequest(**{**fields, **changes})  # type: ignore[arg-type]


async def pieces_of(backend: LlamaCppBackend, req: GenerationRequest) -> list[str]:
    async with aclosing(backend.stream(req)) as pieces:
        return [piece async for piece in pieces]


async def test_infill_request_carries_the_raw_parts(scripted: Scripted) -> None:
    reply = ScriptedReply(
        chunks=sse({"content": " return", "stop": False}, {"content": "", "stop": True})
    )
    async with scripted({"/infill": reply}) as server:
        backend = LlamaCppBackend(ModelSettings(url=server.url), get_template("starcoder"))
        assert await pieces_of(backend, request(stop=("\n\n",))) == [" return"]
        await backend.aclose()
    assert server.received[0].body == {
        "input_prefix": PREFIX,
        "input_suffix": SUFFIX,
        "input_extra": [{"filename": "calc/ops.py", "text": "def sub(a, b):\n    return a - b\n"}],
        "n_predict": 8,
        "temperature": 0.0,
        "stop": [*get_template("starcoder").stop, "\n\n"],
        "cache_prompt": True,
        "stream": True,
    }


async def test_infill_501_falls_back_to_completion_once(
    scripted: Scripted, caplog: pytest.LogCaptureFixture
) -> None:
    routes: dict[str, Route] = {
        "/infill": ScriptedReply(
            status=501, chunks=[NO_INFILL_BODY], content_type="application/json"
        ),
        "/completion": ScriptedReply(chunks=sse({"content": "x", "stop": True}, done=False)),
    }
    caplog.set_level(logging.INFO, logger="context.backends.llamacpp")
    async with scripted(routes) as server:
        backend = LlamaCppBackend(ModelSettings(url=server.url), PREFIX_ONLY, use_infill=True)
        assert await pieces_of(backend, request()) == ["x"]
        assert await pieces_of(backend, request()) == ["x"]
        await backend.aclose()
    assert server.paths == ["/infill", "/completion", "/completion"]
    assert server.received[1].body["prompt"] == PREFIX
    assert backend.is_using_infill is False
    notes = [r.getMessage() for r in caplog.records if "cannot infill" in r.getMessage()]
    assert len(notes) == 1
    assert "Infill is not supported by this model" in notes[0]


@pytest.mark.llm
async def test_completion_streams_tokens_from_the_real_server(real_model: ModelSettings) -> None:
    backend = LlamaCppBackend(real_model, PREFIX_ONLY)
    pieces = await pieces_of(backend, request(max_tokens=6))
    await backend.aclose()
    assert backend.is_using_infill is False
    # One event per token: never more pieces than tokens asked for, each a non-empty string.
    assert 1 <= len(pieces) <= 6
    assert all(isinstance(p, str) and p for p in pieces)


@pytest.mark.llm
async def test_infill_streams_from_the_real_server(real_model: ModelSettings) -> None:
    backend = LlamaCppBackend(real_model, get_template("starcoder"))
    pieces = await pieces_of(backend, request(max_tokens=6))
    await backend.aclose()
    # The server accepted /infill (with input_extra): no fallback happened.
    assert backend.is_using_infill is True
    assert len(pieces) <= 6
    assert all(isinstance(p, str) and p for p in pieces)


@pytest.mark.llm
async def test_stop_strings_end_the_real_completion(real_model: ModelSettings) -> None:
    backend = LlamaCppBackend(real_model, PREFIX_ONLY)
    req = request(prompt="one\ntwo\nthree\nfour\n", max_tokens=24, stop=("\n",))
    text = "".join(await pieces_of(backend, req))
    await backend.aclose()
    assert "\n" not in text


@pytest.mark.llm
async def test_closing_early_stops_the_real_server_generating(real_model: ModelSettings) -> None:
    backend = LlamaCppBackend(real_model, PREFIX_ONLY)
    async with aclosing(backend.stream(request(max_tokens=2000))) as pieces:
        assert await anext(pieces)
        assert await is_busy(real_model.url)
    await backend.aclose()
    # Generating 2,000 tokens takes this model half a minute; a dropped request stops at once.
    deadline = time.monotonic() + 5
    while await is_busy(real_model.url):
        assert time.monotonic() < deadline, "the server kept generating after the stream closed"
        await asyncio.sleep(0.05)


async def is_busy(url: str) -> bool:
    """Whether a slot of the llama.cpp server at `url` is generating (its /slots endpoint)."""
    async with httpx.AsyncClient(trust_env=False) as client:
        slots = (await client.get(f"{url}/slots")).json()
    return any(slot["is_processing"] for slot in slots)
