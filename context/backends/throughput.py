"""How fast a model server evaluates prompts and generates, measured from its own answers.

Each backend reports a `Usage` at the end of a stream, read from what the server itself
says: llama.cpp's `timings` (`prompt_n`, `cache_n`, `prompt_ms`, `predicted_n`,
`predicted_ms`), Ollama's `prompt_eval_count`/`prompt_eval_duration` and
`eval_count`/`eval_duration`, an OpenAI-compatible server's `usage` (token counts, and
`prompt_tokens_details.cached_tokens` where present; no durations, so the pipeline times
the first token itself). `Throughput` keeps a moving average of both rates per backend and
answers the one question prompt sizing asks: how many prompt tokens can be evaluated now
within a latency target.

Guarantees: a rate is only learnt from a measurement large enough to mean something (at
least `MIN_PROMPT_TOKENS` evaluated tokens); until then a conservative prior holds, so the
first request on a slow machine is already small enough. Parsing never raises: a field of
the wrong type is treated as absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PRIOR_PROMPT_PER_S = 150.0
"""Prompt tokens per second assumed before the server has been measured: a small CPU."""
PRIOR_GENERATION_PER_S = 30.0
MIN_PROMPT_TOKENS = 16
"""A measurement of fewer evaluated tokens is dominated by fixed costs and teaches nothing."""
# The weight of the newest measurement in the moving average.
_ALPHA = 0.3


@dataclass(frozen=True)
class Usage:
    """What one request cost the model server; None where the server did not say."""

    n_prompt_evaluated: int | None = None
    n_prompt_reused: int | None = None
    prompt_ms: float | None = None
    n_generated: int | None = None
    generation_ms: float | None = None


class Throughput:
    """Moving averages of one backend's prompt and generation rates (tokens per second)."""

    def __init__(
        self,
        prompt_per_s: float = PRIOR_PROMPT_PER_S,
        generation_per_s: float = PRIOR_GENERATION_PER_S,
    ) -> None:
        self.prompt_per_s = prompt_per_s
        self.generation_per_s = generation_per_s
        self.n_measurements = 0

    def observe(self, usage: Usage, first_token_ms: float | None = None) -> None:
        """Learn from one answer; `first_token_ms` stands in for a missing `prompt_ms`."""
        prompt_ms = usage.prompt_ms if usage.prompt_ms is not None else first_token_ms
        n_prompt = usage.n_prompt_evaluated
        if n_prompt is not None and n_prompt >= MIN_PROMPT_TOKENS and prompt_ms and prompt_ms > 0:
            self.prompt_per_s = _blend(self.prompt_per_s, n_prompt * 1000 / prompt_ms)
            self.n_measurements += 1
        n_gen, gen_ms = usage.n_generated, usage.generation_ms
        if n_gen is not None and n_gen >= 2 and gen_ms and gen_ms > 0:
            self.generation_per_s = _blend(self.generation_per_s, n_gen * 1000 / gen_ms)

    def tokens_within(self, target_ms: float) -> int:
        """Prompt tokens that can be evaluated so that the first token comes by `target_ms`.

        The first generated token's own time is kept out of the target.
        """
        prompt_s = target_ms / 1000 - 1 / max(self.generation_per_s, 1e-3)
        return max(0, int(prompt_s * self.prompt_per_s))

    def expected_first_token_ms(self, n_prompt_tokens: int) -> float:
        """The time to the first token for `n_prompt_tokens` to evaluate, at today's rates."""
        return (n_prompt_tokens / self.prompt_per_s + 1 / self.generation_per_s) * 1000


def _blend(old: float, new: float) -> float:
    return (1 - _ALPHA) * old + _ALPHA * new


def llamacpp_usage(event: Mapping[str, Any]) -> Usage | None:
    """The usage in a llama.cpp event's `timings` (its last event), or None."""
    timings = event.get("timings")
    if not isinstance(timings, Mapping):
        return None
    return Usage(
        n_prompt_evaluated=_int(timings.get("prompt_n")),
        n_prompt_reused=_int(timings.get("cache_n")),
        prompt_ms=_float(timings.get("prompt_ms")),
        n_generated=_int(timings.get("predicted_n")),
        generation_ms=_float(timings.get("predicted_ms")),
    )


def ollama_usage(event: Mapping[str, Any]) -> Usage | None:
    """The usage in Ollama's last object (durations in nanoseconds), or None."""
    if not event.get("done"):
        return None
    prompt_ns = _float(event.get("prompt_eval_duration"))
    eval_ns = _float(event.get("eval_duration"))
    return Usage(
        n_prompt_evaluated=_int(event.get("prompt_eval_count")),
        prompt_ms=None if prompt_ns is None else prompt_ns / 1e6,
        n_generated=_int(event.get("eval_count")),
        generation_ms=None if eval_ns is None else eval_ns / 1e6,
    )


def openai_usage(event: Mapping[str, Any]) -> Usage | None:
    """The usage of an OpenAI-style chunk: llama.cpp's `timings` when it sends them, else
    `usage` (token counts only), else None."""
    measured = llamacpp_usage(event)
    if measured is not None:
        return measured
    usage = event.get("usage")
    if not isinstance(usage, Mapping):
        return None
    n_prompt = _int(usage.get("prompt_tokens"))
    details = usage.get("prompt_tokens_details")
    n_cached = _int(details.get("cached_tokens")) if isinstance(details, Mapping) else None
    n_evaluated = n_prompt - n_cached if n_prompt is not None and n_cached is not None else n_prompt
    return Usage(
        n_prompt_evaluated=n_evaluated,
        n_prompt_reused=n_cached,
        n_generated=_int(usage.get("completion_tokens")),
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return float(value)
