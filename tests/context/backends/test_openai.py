"""The OpenAI-compatible completions backend, against llama.cpp's real `/v1/completions`.

Several-candidate replies (`n` > 1, choices interleaved by `index`) come from vLLM-like
servers; llama.cpp's refuses `n` above 1, so the interleaved stream is scripted with a
`ScriptedServer`, and the real server checks the one-request-per-candidate fallback.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import aclosing
from dataclasses import replace

import pytest

from context.backends import GenerationRequest
from context.backends.candidates import collect_candidates
from context.backends.openai import OpenAIBackend
from context.prompt.templates import PREFIX_ONLY, get_template
from context.settings import ModelSettings
from tests.modelserver import Received, Route, ScriptedReply, ScriptedServer, sse

Scripted = Callable[[Mapping[str, Route]], ScriptedServer]

REQUEST = GenerationRequest(
    prompt="<fim_prefix>x = <fim_suffix>\n<fim_middle>",
    prefix="x = ",
    suffix="\n",
    max_tokens=6,
    temperature=0.0,
    stop=("\n\n",),
)

# llama.cpp's 400 reply to a completions request with n=2 (server reply body).
N_REFUSED_BODY = (
    b'{"error":{"code":400,"message":"Field \'n\': Value must be between 1 <= value <= 1, '
    b'but got 2","type":"invalid_request_error"}}'
)


def choice(index: int, text: str, finish: str | None = None) -> dict[str, object]:
    return {"choices": [{"index": index, "text": text, "finish_reason": finish}]}


async def test_request_uses_the_rendered_prompt_and_never_suffix(scripted: Scripted) -> None:
    reply = ScriptedReply(chunks=sse(choice(0, "1"), choice(0, "", "stop")))
    async with scripted({"/v1/completions": reply}) as server:
        backend = OpenAIBackend(
            ModelSettings(url=server.url + "/v1", name="coder"), get_template("starcoder")
        )
        async with aclosing(backend.stream(REQUEST)) as pieces:
            assert [p async for p in pieces] == ["1"]
        await backend.aclose()
    body = server.received[0].body
    assert "suffix" not in body
    assert body == {
        "prompt": REQUEST.prompt,
        "max_tokens": 6,
        "temperature": 0.0,
        "stop": [*get_template("starcoder").stop, "\n\n"],
        "stream": True,
        "n": 1,
        "model": "coder",
    }


async def test_candidates_come_back_by_index_from_one_request(scripted: Scripted) -> None:
    chunks = sse(
        choice(1, "b"),
        choice(0, "a"),
        choice(0, "A", "stop"),
        choice(2, "c"),
        choice(1, "B", "length"),
        choice(2, "C", "stop"),
    )
    async with scripted({"/v1/completions": ScriptedReply(chunks=chunks)}) as server:
        backend = OpenAIBackend(ModelSettings(url=server.url), PREFIX_ONLY)
        texts = await collect_candidates(backend, GenerationRequest("p", "p", "", n_candidates=3))
        await backend.aclose()
    assert texts == ["aA", "bB", "cC"]
    assert server.paths == ["/v1/completions"]
    assert server.received[0].body["n"] == 3


async def test_a_server_refusing_n_is_asked_once_per_candidate(scripted: Scripted) -> None:
    def reply(received: Received) -> ScriptedReply:
        if received.body["n"] > 1:
            return ScriptedReply(
                status=400, chunks=[N_REFUSED_BODY], content_type="application/json"
            )
        return ScriptedReply(chunks=sse(choice(0, "t", "stop")))

    async with scripted({"/v1/completions": reply}) as server:
        backend = OpenAIBackend(ModelSettings(url=server.url), PREFIX_ONLY)
        request = GenerationRequest("p", "p", "", n_candidates=2)
        assert await collect_candidates(backend, request) == ["t", "t"]
        assert await collect_candidates(backend, request) == ["t", "t"]
        await backend.aclose()
    # The refusal is remembered: the second call goes straight to single requests.
    assert [r.body["n"] for r in server.received] == [2, 1, 1, 1, 1]


# OpenAI's 400 replies about stop strings (error message texts of its API).
TOO_MANY_STOPS = (
    b'{"error": {"message": "Invalid \'stop\': array too long. Expected an array with maximum '
    b'length 4, but got an array with length 9 instead.", "type": "invalid_request_error", '
    b'"param": "stop", "code": "array_above_max_length"}}'
)
NO_STOPS = (
    b'{"error": {"message": "Unsupported parameter: \'stop\' is not supported with this '
    b'model.", "type": "invalid_request_error", "param": "stop", "code": null}}'
)


async def test_refused_stop_strings_are_cut_to_four_then_dropped(scripted: Scripted) -> None:
    def reply(received: Received) -> ScriptedReply:
        stop = received.body.get("stop")
        if stop is not None:
            body = TOO_MANY_STOPS if len(stop) > 4 else NO_STOPS
            return ScriptedReply(status=400, chunks=[body], content_type="application/json")
        return ScriptedReply(chunks=sse(choice(0, "ok", "stop")))

    async with scripted({"/v1/completions": reply}) as server:
        backend = OpenAIBackend(ModelSettings(url=server.url), get_template("starcoder"))
        for _ in range(2):
            async with aclosing(backend.stream(REQUEST)) as pieces:
                assert [p async for p in pieces] == ["ok"]
        await backend.aclose()
    sent = [r.body.get("stop") for r in server.received]
    wanted = [*get_template("starcoder").stop, "\n\n"]
    # The server's limits are learnt once: the second completion sends no stop at all.
    assert sent == [wanted, wanted[-4:], None, None]


@pytest.mark.llm
@pytest.mark.parametrize("suffix", ["", "/v1", "/v1/"])
async def test_streams_from_the_real_server(real_model: ModelSettings, suffix: str) -> None:
    backend = OpenAIBackend(replace(real_model, url=real_model.url + suffix), PREFIX_ONLY)
    async with aclosing(backend.stream(REQUEST)) as pieces:
        texts = [p async for p in pieces]
    await backend.aclose()
    assert 1 <= len(texts) <= REQUEST.max_tokens
    assert all(isinstance(t, str) and t for t in texts)


@pytest.mark.llm
async def test_candidates_from_the_real_server(real_model: ModelSettings) -> None:
    backend = OpenAIBackend(real_model, PREFIX_ONLY)
    request = GenerationRequest("def f():\n", "def f():\n", "", max_tokens=4, n_candidates=2)
    texts = await collect_candidates(backend, request)
    await backend.aclose()
    assert len(texts) == 2
    assert all(isinstance(t, str) for t in texts)
