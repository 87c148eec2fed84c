"""The suggestion cache and the throughput model: pure bookkeeping, no model server."""

from __future__ import annotations

import asyncio

from context.backends.throughput import (
    PRIOR_PROMPT_PER_S,
    Throughput,
    Usage,
    llamacpp_usage,
    ollama_usage,
    openai_usage,
)
from context.runtime import ServerCache
from context.suggestion_cache import SuggestionCache

URI = "file:///w/a.py"
TEXT = "def f():\n    \n\nprint(f())\n"
CURSOR = TEXT.index("    \n") + 4


def _typed(text: str) -> str:
    return TEXT[:CURSOR] + text + TEXT[CURSOR:]


def test_typing_the_suggestion_returns_the_rest() -> None:
    cache: SuggestionCache[str] = SuggestionCache()
    cache.store(URI, TEXT, CURSOR, "return 1", "answer")
    hit = cache.lookup(URI, _typed("ret"), CURSOR + 3)
    assert hit is not None and (hit.rest, hit.value) == ("urn 1", "answer")
    exact = cache.lookup(URI, TEXT, CURSOR)
    assert exact is not None and exact.rest == "return 1"


def test_other_text_another_file_or_the_whole_suggestion_typed_is_no_hit() -> None:
    cache: SuggestionCache[str] = SuggestionCache()
    cache.store(URI, TEXT, CURSOR, "return 1", "answer")
    assert cache.lookup(URI, _typed("rex"), CURSOR + 3) is None
    assert cache.lookup("file:///w/b.py", _typed("ret"), CURSOR + 3) is None
    assert cache.lookup(URI, _typed("return 1"), CURSOR + 8) is None
    edited_above = "# note\n" + _typed("ret")
    assert cache.lookup(URI, edited_above, CURSOR + 3 + 7) is None
    edited_after = _typed("ret").replace("print(f())", "print(g())")
    assert cache.lookup(URI, edited_after, CURSOR + 3) is None


async def test_a_second_request_joins_the_first_and_one_cancel_keeps_it_going() -> None:
    cache: SuggestionCache[str] = SuggestionCache()
    calls: list[int] = []
    release = asyncio.Event()

    async def compute() -> str:
        calls.append(1)
        await release.wait()
        return "answer"

    first = asyncio.ensure_future(cache.shared(URI, TEXT, CURSOR, compute))
    second = asyncio.ensure_future(cache.shared(URI, TEXT, CURSOR, compute))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    release.set()
    assert await second == "answer"
    assert calls == [1]


def test_throughput_learns_from_large_measurements_only() -> None:
    throughput = Throughput()
    throughput.observe(Usage(n_prompt_evaluated=3, prompt_ms=1.0))
    assert throughput.prompt_per_s == PRIOR_PROMPT_PER_S
    for _ in range(20):
        throughput.observe(Usage(n_prompt_evaluated=1000, prompt_ms=10_000.0))
    assert 99 < throughput.prompt_per_s < 102
    assert throughput.tokens_within(1000) < 100


def test_each_backends_report_is_read() -> None:
    timings = {"timings": {"prompt_n": 5, "cache_n": 900, "prompt_ms": 40.0}}
    assert llamacpp_usage(timings) == Usage(5, 900, 40.0, None, None)
    done = {"done": True, "prompt_eval_count": 30, "prompt_eval_duration": 2e8}
    assert ollama_usage(done) == Usage(n_prompt_evaluated=30, prompt_ms=200.0)
    usage = {"usage": {"prompt_tokens": 100, "prompt_tokens_details": {"cached_tokens": 90}}}
    assert openai_usage(usage) == Usage(n_prompt_evaluated=10, n_prompt_reused=90)
    assert openai_usage({"usage": {"prompt_tokens": "many"}}) == Usage()
    assert llamacpp_usage({"content": "x"}) is None


def test_the_server_cache_counts_only_what_was_evaluated() -> None:
    cache = ServerCache()
    prompt = "def f():\n    return 1\n" * 20
    cache.remember(prompt, 200, 50, is_warm_up=True)
    reuse = cache.reusable(prompt + "x = ")
    assert reuse.n_tokens == 50 and reuse.is_from_warm_up
    assert cache.reusable("something else entirely").n_tokens == 0
