"""Suggestions at typing speed, through the one pipeline: prompt sizing from measured
throughput, back-pressure, the suggestion cache, warm-ups and the cost of each answer.

Exact timing and exact server reports (llama.cpp's `timings`) come from `ScriptedServer`,
the deterministic stand-in for an external model service; the prompt-cache reuse is
asserted against the session's real llama.cpp server (`llama_server`, marked `llm`).
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from context.backends import make_backend
from context.backends.llamacpp import LlamaCppBackend
from context.document import Document
from context.pipeline import CompletionRequest, Engine, complete, prefill
from context.prompt.templates import PREFIX_ONLY, get_template
from context.prompt.tokens import count_tokens
from context.runtime import ModelRuntime
from context.settings import Settings, load_settings
from context.suggestion_cache import SuggestionCache
from tests.modelserver import Received, ScriptedReply, ScriptedServer, sse

# A file long enough that its whole prompt (2,048 tokens) is far more than a slow server
# evaluates within the latency target.
LONG = "".join(f"value_{i} = compute({i}, factor={i * 3})\n" for i in range(600))


def _settings(url: str, **model: object) -> Settings:
    settings, problems = load_settings(
        {
            "model": {"backend": "llamacpp", "url": url, "template": "prefix-only", **model},
            "context": {"repository": False},
            "validation": {"enabled": False},
        }
    )
    assert problems == []
    return settings


def _engine(settings: Settings, runtime: ModelRuntime | None = None) -> Engine:
    backend = LlamaCppBackend(settings.model, PREFIX_ONLY)
    return Engine(settings=settings, backend=backend, runtime=runtime or ModelRuntime())


def _answer(text: str, *, prompt_n: int, prompt_ms: float, cache_n: int = 0) -> ScriptedReply:
    """A llama.cpp stream: `text`, then the last event with the timings the server reports."""
    timings = {"prompt_n": prompt_n, "prompt_ms": prompt_ms, "cache_n": cache_n}
    timings |= {"predicted_n": 4, "predicted_ms": 40.0}
    return ScriptedReply(
        chunks=sse(
            {"content": text, "stop": False},
            {"content": "", "stop": True, "timings": timings},
            done=False,
        )
    )


def _document(text: str, uri: str = "file:///w/long.py") -> Document:
    return Document(uri=uri, text=text, language_id="python")


async def test_a_slow_server_gets_a_prompt_it_can_evaluate_within_the_target() -> None:
    """The server reports 100 tokens/s; the next cold prompt is sized to the 1 s target
    instead of the whole 2,048-token budget, and the answer arrives without an error."""
    replies = iter([_answer("x", prompt_n=400, prompt_ms=4000.0)] * 4)
    async with ScriptedServer({"/completion": lambda _: next(replies)}) as server:
        runtime = ModelRuntime()
        engine = _engine(_settings(server.url), runtime)
        await complete(engine, CompletionRequest(_document("a = 1\nb = "), 10))
        assert runtime.throughput.prompt_per_s < 150

        document = _document(LONG + "total = ")
        result = await complete(engine, CompletionRequest(document, len(document.text)))
        fixed = _engine(_settings(server.url, latencyTargetMs=0))
        whole = await complete(fixed, CompletionRequest(document, len(document.text)))
        await engine.backend.aclose()
        await fixed.backend.aclose()

    assert result.error is None and result.cost is not None and result.prompt is not None
    assert result.prompt.n_tokens <= runtime.throughput.tokens_within(1000) + 1
    assert result.cost.budget_tokens is not None and result.cost.budget_tokens < 2048
    assert whole.prompt is not None and whole.prompt.n_tokens > 1500
    assert result.prompt.text.endswith("total = ") and whole.prompt.text.endswith("total = ")


async def test_the_cost_is_what_the_server_reported() -> None:
    # No line break: the stream is read to its last event, which carries the timings.
    route = _answer("1", prompt_n=3, prompt_ms=20.0, cache_n=40)
    async with ScriptedServer({"/completion": route}) as server:
        engine = _engine(_settings(server.url))
        result = await complete(engine, CompletionRequest(_document("x = "), 4))
        await engine.backend.aclose()
    assert result.cost is not None
    assert (result.cost.source, result.cost.n_prompt_evaluated, result.cost.n_prompt_reused) == (
        "model",
        3,
        40,
    )
    assert result.cost.first_token_ms is not None


async def test_a_busy_server_is_asked_once_more_and_is_no_error() -> None:
    busy = ScriptedReply(
        status=503,
        content_type="application/json",
        chunks=[json.dumps({"error": {"code": 503, "message": "no slot available"}}).encode()],
    )
    async with ScriptedServer({"/completion": busy}) as server:
        engine = _engine(_settings(server.url))
        result = await complete(engine, CompletionRequest(_document("x = "), 4))
        await engine.backend.aclose()
    assert server.paths == ["/completion", "/completion"]
    assert result.error is None
    assert result.suggestions == ()
    assert "busy" in result.rejected[0].reason


async def test_a_busy_server_that_frees_up_answers_the_retry() -> None:
    busy = ScriptedReply(status=503, content_type="application/json", chunks=[b'{"error":"busy"}'])
    replies = iter([busy, _answer("1\n", prompt_n=3, prompt_ms=20.0)])
    async with ScriptedServer({"/completion": lambda _: next(replies)}) as server:
        engine = _engine(_settings(server.url))
        result = await complete(engine, CompletionRequest(_document("x = "), 4))
        await engine.backend.aclose()
    assert [s.text for s in result.suggestions] == ["1"]


async def test_generations_never_outnumber_the_slots() -> None:
    """Two documents ask at once on a one-slot server whose first piece takes 0.1 s: the
    second request reaches the server only after the first stream was closed (at that
    piece, which ends the one-line suggestion)."""
    arrivals: list[float] = []

    def route(received: Received) -> ScriptedReply:
        arrivals.append(time.monotonic())
        return ScriptedReply(chunks=_answer("1\n", prompt_n=3, prompt_ms=20.0).chunks, delay_s=0.1)

    async with ScriptedServer({"/completion": route}) as server:
        engine = _engine(_settings(server.url))
        await asyncio.gather(
            complete(engine, CompletionRequest(_document("x = ", "file:///w/a.py"), 4)),
            complete(engine, CompletionRequest(_document("x = ", "file:///w/b.py"), 4)),
        )
        await engine.backend.aclose()
    assert len(server.received) == 2
    assert arrivals[1] - arrivals[0] >= 0.09


async def test_a_real_request_preempts_a_warm_up() -> None:
    """The warm-up (n_predict 0) streams slowly; the real request cancels it, which closes
    its HTTP stream, and is answered at once."""

    sent = asyncio.Event()

    def route(received: Received) -> ScriptedReply:
        sent.set()
        if received.body["n_predict"] == 0:
            return ScriptedReply(chunks=[b": evaluating\n\n"] * 50, delay_s=0.1)
        return _answer("1\n", prompt_n=3, prompt_ms=20.0)

    async with ScriptedServer({"/completion": route}) as server:
        engine = _engine(_settings(server.url))
        document = _document("x = ")
        warm_up = asyncio.ensure_future(prefill(engine, document, 4))
        await asyncio.wait_for(sent.wait(), 5)
        started = time.monotonic()
        result = await complete(engine, CompletionRequest(document, 4))
        elapsed_s = time.monotonic() - started
        with pytest.raises(asyncio.CancelledError):
            await warm_up
        await asyncio.wait_for(server.received[0].disconnected.wait(), 2)
        await engine.backend.aclose()
    assert server.received[0].body["cache_prompt"] is True
    assert [s.text for s in result.suggestions] == ["1"]
    assert elapsed_s < 1.0


async def test_the_item_and_the_inline_suggestion_share_one_model_call() -> None:
    route = ScriptedReply(
        chunks=_answer("return 1\n", prompt_n=3, prompt_ms=20.0).chunks, delay_s=0.05
    )
    async with ScriptedServer({"/completion": route}) as server:
        engine = _engine(_settings(server.url))
        engine = Engine(
            engine.settings, engine.backend, runtime=engine.runtime, suggestions=SuggestionCache()
        )
        document = _document("def f():\n    ")
        inline, item = await asyncio.gather(
            complete(engine, CompletionRequest(document, 13, "automatic")),
            complete(engine, CompletionRequest(document, 13, "invoked")),
        )
        await engine.backend.aclose()
    assert len(server.received) == 1
    assert (
        [s.text for s in inline.suggestions] == [s.text for s in item.suggestions] == ["return 1"]
    )


@pytest.mark.llm
async def test_the_real_server_reuses_the_prompt_when_a_character_is_typed(
    llama_server: str,
) -> None:
    """A FIM prompt rendered by fillin (`/completion`), the cursor line's head last: after
    one typed character, llama.cpp's own `timings` say it reused almost all of the prompt
    and evaluated a few tokens."""
    settings, _ = load_settings(
        {
            "model": {
                "backend": "llamacpp",
                "url": llama_server,
                "template": "starcoder",
                "timeoutMs": 60000,
                "maxTokens": 4,
                "latencyTargetMs": 0,
            },
            "context": {"repository": False},
            "validation": {"enabled": False},
        }
    )
    backend = LlamaCppBackend(settings.model, get_template("starcoder"), use_infill=False)
    engine = Engine(settings=settings, backend=backend, runtime=ModelRuntime())
    head = LONG[:3000] + "def total(items):\n    return sum"
    tail = "\n\nprint(total([1, 2]))\n"
    first = await complete(engine, CompletionRequest(_document(head + tail), len(head)))
    typed = head + "("
    second = await complete(engine, CompletionRequest(_document(typed + tail), len(typed)))
    await backend.aclose()

    assert first.error is None and second.error is None
    assert first.cost is not None and second.cost is not None
    assert first.cost.n_prompt_reused is not None and second.cost.n_prompt_reused is not None
    assert second.cost.n_prompt_evaluated is not None
    assert second.cost.n_prompt_reused > 500
    assert second.cost.n_prompt_evaluated <= 8


@pytest.mark.llm
async def test_the_real_server_evaluates_only_the_typed_tokens_in_its_own_fim_layout(
    llama_server: str,
) -> None:
    """`backend = "llamacpp"` with no template: the backend reads the server's FIM layout
    (its `/infill` answer) and renders keystrokes itself for `/completion`, the cursor
    line's head after the middle marker. With a long suffix, `/infill` would evaluate the
    whole suffix again on every keystroke; llama.cpp's own `timings` say each keystroke
    evaluated a few tokens and reused the rest."""
    settings, _ = load_settings(
        {
            "model": {
                "backend": "llamacpp",
                "url": llama_server,
                # A loaded two-core machine may take a minute over the first prompt.
                "timeoutMs": 60000,
                "streamDeadlineMs": 180000,
                "maxTokens": 4,
                "latencyTargetMs": 0,
            },
            "completion": {"cache": False},
            "context": {"repository": False},
            "validation": {"enabled": False},
        }
    )
    backend = make_backend(settings.model)
    engine = Engine(settings=settings, backend=backend, runtime=ModelRuntime())
    head = LONG[:2000] + "def total(items):\n    return "
    tail = "\n\n" + LONG[2000:3500]
    results = []
    for typed in ("", "s", "su", "sum"):
        text = head + typed + tail
        request = CompletionRequest(_document(text), len(head) + len(typed))
        results.append(await complete(engine, request))
    await backend.aclose()

    assert backend.template.fim_middle == "<issue_closed>"
    assert all(r.error is None and r.cost is not None for r in results)
    suffix_tokens = count_tokens(tail)
    assert suffix_tokens > 300
    for result in results[2:]:
        assert result.cost is not None and result.cost.n_prompt_evaluated is not None
        assert result.cost.n_prompt_reused is not None
        assert result.cost.n_prompt_evaluated <= 8
        assert result.cost.n_prompt_reused > suffix_tokens


def _lines_reply(*lines: str, delay_s: float) -> ScriptedReply:
    """A llama.cpp stream of one event per piece, `delay_s` apart, then the last event."""
    events = [{"content": line, "stop": False} for line in lines]
    timings = {"prompt_n": 3, "prompt_ms": 20.0, "cache_n": 0}
    events.append({"content": "", "stop": True, "timings": timings})
    return ScriptedReply(chunks=sse(*events, done=False), delay_s=delay_s)


@pytest.mark.parametrize(
    ("latency_target_ms", "expected"),
    [
        (300, "a = 1\nb = 2\nc = 3\n"),
        (0, "a = 1\nb = 2\nc = 3\nd = 4\ne = 5\n"),
    ],
)
async def test_a_multi_line_suggestion_ends_at_a_line_break_after_the_latency_target(
    latency_target_ms: int, expected: str
) -> None:
    """Lines arrive 0.2 s apart: with a 300 ms target the suggestion ends at the line break
    that arrived after 0.3 s of generation, and the stream is closed there; with the
    target off the whole block is waited for."""
    reply = _lines_reply("a = 1\n", "b = 2\n", "c = 3\n", "d = 4\n", "e = 5\n", delay_s=0.2)
    async with ScriptedServer({"/completion": reply}) as server:
        engine = _engine(_settings(server.url, latencyTargetMs=latency_target_ms))
        result = await complete(engine, CompletionRequest(_document("x = 0\n"), 6))
        await engine.backend.aclose()
    assert [s.text for s in result.suggestions] == [expected]


async def test_a_leading_line_break_does_not_end_a_suggestion_with_nothing_to_show() -> None:
    """Past the target, a stream that has sent only line breaks goes on until a line with
    text has ended."""
    reply = _lines_reply("\n", "\n", "\n", "y = 1\n", "z = 2\n", "w = 3\n", delay_s=0.2)
    async with ScriptedServer({"/completion": reply}) as server:
        engine = _engine(_settings(server.url, latencyTargetMs=100))
        result = await complete(engine, CompletionRequest(_document("x = 0\n"), 6))
        await engine.backend.aclose()
    assert [s.text.strip() for s in result.suggestions] == ["y = 1"]
