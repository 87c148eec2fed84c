"""The llama.cpp backend: request building and stream parsing against a real llama-server.

The real server (the session's `llama_server`, SmolLM2 with FIM tokens declared) serves
`/completion` and `/infill`; a 135M model's text is not stable, so those tests assert on
structure. The fallback from `/infill` to `/completion` needs a server whose model cannot
infill, which the session's server is not, so that test uses a `ScriptedServer` replying
with the exact 501 body that llama.cpp sends for a model without FIM tokens; the tests of
the exact requests sent while the backend learns a layout use `ScriptedServer` too, with
the echo that the real server returns (tests/context/backends/test_infill_layout.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from contextlib import aclosing

import httpx
import pytest

from context.backends import GenerationRequest
from context.backends.http import HttpStatusError
from context.backends.infill_layout import PROBE_BODY
from context.backends.llamacpp import LlamaCppBackend
from context.prompt.templates import PREFIX_ONLY, get_template
from context.settings import ModelSettings
from context.snippet import Snippet
from tests.context.backends.test_infill_layout import SMOLLM2_ECHO
from tests.modelserver import Received, Route, ScriptedReply, ScriptedServer, sse

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


STREAMED = ScriptedReply(
    chunks=sse({"content": " return", "stop": False}, {"content": "", "stop": True})
)


def echo(answer: dict[str, object]) -> ScriptedReply:
    """A whole (not streamed) JSON answer, as llama.cpp sends one."""
    return ScriptedReply(chunks=[json.dumps(answer).encode()], content_type="application/json")


def probe_reply(probe: ScriptedReply) -> Route:
    """`/infill` answering the layout probe (not streamed) with `probe`, else streaming."""

    def reply(received: Received) -> ScriptedReply:
        return probe if received.body.get("stream") is False else STREAMED

    return reply


async def test_infill_request_carries_the_raw_parts(scripted: Scripted) -> None:
    async with scripted({"/infill": STREAMED}) as server:
        backend = LlamaCppBackend(ModelSettings(url=server.url), PREFIX_ONLY, use_infill=True)
        assert await pieces_of(backend, request(stop=("\n\n",))) == [" return"]
        await backend.aclose()
    assert server.received[0].body == {
        "input_prefix": PREFIX,
        "input_suffix": SUFFIX,
        "input_extra": [{"filename": "calc/ops.py", "text": "def sub(a, b):\n    return a - b\n"}],
        "n_predict": 8,
        "temperature": 0.0,
        "stop": [*PREFIX_ONLY.stop, "\n\n"],
        "cache_prompt": True,
        "stream": True,
    }


async def test_a_known_fim_template_sends_fillins_rendering_to_completion(
    scripted: Scripted,
) -> None:
    """`/infill` would put the suffix after the whole prefix; fillin's rendering puts the
    cursor line's head last, so it goes to `/completion` as rendered."""
    rendered = "<fim_prefix>def add(a, b):\n<fim_suffix>\n<fim_middle>    "
    async with scripted({"/completion": STREAMED}) as server:
        backend = LlamaCppBackend(
            ModelSettings(url=server.url), get_template("starcoder"), use_infill=True
        )
        assert await pieces_of(backend, request(prompt=rendered)) == [" return"]
        await backend.aclose()
    assert backend.is_using_infill is False
    assert server.paths == ["/completion"]
    assert server.received[0].body["prompt"] == rendered
    assert server.received[0].body["stop"] == list(get_template("starcoder").stop)


async def test_the_backend_learns_the_servers_layout_once(
    scripted: Scripted, caplog: pytest.LogCaptureFixture
) -> None:
    """The first request probes the layout, then goes to `/infill` (it was rendered
    before the layout was known); the next is rendered with the server's FIM tokens and
    goes to `/completion`."""
    routes: dict[str, Route] = {
        "/infill": probe_reply(echo({"content": "", "stop": True, "prompt": SMOLLM2_ECHO})),
        "/completion": STREAMED,
    }
    caplog.set_level(logging.INFO, logger="context.backends.llamacpp")
    async with scripted(routes) as server:
        backend = LlamaCppBackend(
            ModelSettings(url=server.url), PREFIX_ONLY, use_infill=True, learn_template=True
        )
        assert await pieces_of(backend, request()) == [" return"]
        learned = backend.template
        rendered = learned.render(PREFIX, SUFFIX)
        assert await pieces_of(backend, request(prompt=rendered)) == [" return"]
        assert await pieces_of(backend, request(prompt=rendered)) == [" return"]
        await backend.aclose()
    assert server.paths == ["/infill", "/infill", "/completion", "/completion"]
    assert server.received[0].body == PROBE_BODY
    assert server.received[1].body["input_prefix"] == PREFIX
    assert server.received[1].body["stop"] == list(PREFIX_ONLY.stop)
    assert server.received[2].body["prompt"] == rendered
    assert "<issue_closed>" in server.received[2].body["stop"]
    assert (learned.fim_prefix, learned.fim_suffix, learned.fim_middle) == (
        "<issue_start>",
        "<issue_comment>",
        "<issue_closed>",
    )
    assert backend.is_using_infill is False
    assert sum("lays out FIM prompts" in r.getMessage() for r in caplog.records) == 1


@pytest.mark.parametrize(
    "probe",
    [
        echo({"content": "", "stop": True}),  # a server that does not echo its prompt
        echo({"content": "", "stop": True, "prompt": "fillin-prefix fillin-suffix"}),
        # A server that refuses to generate nothing.
        ScriptedReply(status=400, chunks=[b'{"error":"n_predict"}']),
    ],
)
async def test_a_layout_the_server_does_not_show_keeps_infill(
    scripted: Scripted, probe: ScriptedReply
) -> None:
    async with scripted({"/infill": probe_reply(probe)}) as server:
        backend = LlamaCppBackend(
            ModelSettings(url=server.url), PREFIX_ONLY, use_infill=True, learn_template=True
        )
        for _ in range(2):
            assert await pieces_of(backend, request()) == [" return"]
        await backend.aclose()
    # One probe, never repeated.
    assert server.paths == ["/infill"] * 3
    assert backend.template is PREFIX_ONLY
    assert backend.is_using_infill is True


async def test_a_busy_server_is_probed_again(scripted: Scripted) -> None:
    answers = iter([ScriptedReply(status=503, chunks=[b'{"error":"slots busy"}'])])

    def infill(received: Received) -> ScriptedReply:
        if received.body.get("stream") is False:
            return next(answers, None) or echo({"prompt": SMOLLM2_ECHO})
        return STREAMED

    async with scripted({"/infill": infill}) as server:
        backend = LlamaCppBackend(
            ModelSettings(url=server.url), PREFIX_ONLY, use_infill=True, learn_template=True
        )
        with pytest.raises(HttpStatusError):
            await pieces_of(backend, request())
        assert await pieces_of(backend, request()) == [" return"]
        await backend.aclose()
    assert server.paths == ["/infill", "/infill", "/infill"]
    assert backend.template.fim_middle == "<issue_closed>"


@pytest.mark.parametrize("learn_template", [False, True])
async def test_infill_501_falls_back_to_completion_once(
    scripted: Scripted, caplog: pytest.LogCaptureFixture, learn_template: bool
) -> None:
    routes: dict[str, Route] = {
        "/infill": ScriptedReply(
            status=501, chunks=[NO_INFILL_BODY], content_type="application/json"
        ),
        "/completion": ScriptedReply(chunks=sse({"content": "x", "stop": True}, done=False)),
    }
    caplog.set_level(logging.INFO, logger="context.backends.llamacpp")
    async with scripted(routes) as server:
        backend = LlamaCppBackend(
            ModelSettings(url=server.url),
            PREFIX_ONLY,
            use_infill=True,
            learn_template=learn_template,
        )
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
    backend = LlamaCppBackend(real_model, PREFIX_ONLY, use_infill=True)
    pieces = await pieces_of(backend, request(max_tokens=6))
    await backend.aclose()
    # The server accepted /infill (with input_extra): no fallback happened.
    assert backend.is_using_infill is True
    assert len(pieces) <= 6
    assert all(isinstance(p, str) and p for p in pieces)


@pytest.mark.llm
async def test_the_real_server_shows_its_layout(real_model: ModelSettings) -> None:
    backend = LlamaCppBackend(real_model, PREFIX_ONLY, use_infill=True, learn_template=True)
    await pieces_of(backend, request(max_tokens=2))
    learned = backend.template
    pieces = await pieces_of(backend, request(prompt=learned.render(PREFIX, SUFFIX), max_tokens=2))
    await backend.aclose()
    # The FIM tokens that tests/conftest.py declares in the session's SmolLM2 copy.
    assert (learned.fim_prefix, learned.fim_suffix, learned.fim_middle) == (
        "<issue_start>",
        "<issue_comment>",
        "<issue_closed>",
    )
    assert learned.repo is not None and learned.repo.file_sep == "<file_sep>"
    assert backend.is_using_infill is False
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
