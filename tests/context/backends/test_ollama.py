"""The Ollama backend: raw-mode `/api/generate` and its NDJSON stream.

No Ollama server runs here, so a `ScriptedServer` replies. Its replies are not captured
from a live server: they are transcribed from the stream format that Ollama documents for
`/api/generate` (docs/api.md in ollama/ollama: objects with `model`, `created_at`,
`response`, `done`, the last one with `done_reason` and timings, no `context` in raw mode)
and from Ollama's JSON error replies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import aclosing

import pytest

from context.backends import GenerationRequest
from context.backends.ollama import OllamaBackend
from context.errors import BackendProtocolError, BackendUnavailable
from context.prompt.templates import get_template
from context.settings import ModelSettings
from tests.modelserver import Route, ScriptedReply, ScriptedServer

Scripted = Callable[[Mapping[str, Route]], ScriptedServer]

MODEL = "qwen2.5-coder:1.5b-base"
STREAM = [
    b'{"model":"qwen2.5-coder:1.5b-base","created_at":"2024-11-12T09:41:07.118022Z",'
    b'"response":"return","done":false}\n',
    b'{"model":"qwen2.5-coder:1.5b-base","created_at":"2024-11-12T09:41:07.131576Z",'
    b'"response":" a","done":false}\n',
    b'{"model":"qwen2.5-coder:1.5b-base","created_at":"2024-11-12T09:41:07.144910Z",'
    b'"response":" +","done":false}\n{"model":"qwen2.5-coder:1.5b-base",'
    b'"created_at":"2024-11-12T09:41:07.158264Z","response":" b","done":false}\n',
    b'{"model":"qwen2.5-coder:1.5b-base","created_at":"2024-11-12T09:41:07.171788Z",'
    b'"response":"","done":true,"done_reason":"stop","total_duration":187225917,'
    b'"load_duration":20193500,"prompt_eval_count":24,"prompt_eval_duration":98000000,'
    b'"eval_count":5,"eval_duration":66000000}\n',
]
NOT_FOUND = b'{"error":"model \\"qwen2.5-coder:1.5b-base\\" not found, try pulling it first"}'

TEMPLATE = get_template("qwen2.5-coder")
REQUEST = GenerationRequest(
    prompt=TEMPLATE.render("def add(a, b):\n    ", "\n"),
    prefix="def add(a, b):\n    ",
    suffix="\n",
    max_tokens=32,
    temperature=0.1,
)


async def complete(url: str, name: str = MODEL) -> list[str]:
    backend = OllamaBackend(ModelSettings(url=url, name=name), TEMPLATE)
    try:
        async with aclosing(backend.stream(REQUEST)) as pieces:
            return [piece async for piece in pieces]
    finally:
        await backend.aclose()


async def test_streams_the_ndjson_pieces(scripted: Scripted) -> None:
    reply = ScriptedReply(chunks=STREAM, content_type="application/x-ndjson")
    async with scripted({"/api/generate": reply}) as server:
        assert await complete(server.url) == ["return", " a", " +", " b"]
    assert server.received[0].body == {
        "model": MODEL,
        "prompt": REQUEST.prompt,
        "raw": True,
        "stream": True,
        "options": {"num_predict": 32, "temperature": 0.1, "stop": list(TEMPLATE.stop)},
    }


async def test_an_unknown_model_reports_ollamas_message(scripted: Scripted) -> None:
    reply = ScriptedReply(status=404, chunks=[NOT_FOUND], content_type="application/json")
    async with scripted({"/api/generate": reply}) as server:
        with pytest.raises(BackendProtocolError) as caught:
            await complete(server.url)
    assert str(caught.value) == (
        f"{server.url}/api/generate answered HTTP 404: "
        'model "qwen2.5-coder:1.5b-base" not found, try pulling it first'
    )


async def test_a_model_name_is_required(scripted: Scripted) -> None:
    async with scripted({}) as server:
        with pytest.raises(BackendUnavailable, match=r"^model\.name: Ollama needs a model name"):
            await complete(server.url, name="")
        assert server.received == []
