"""The OpenAI-compatible completions backend: `/v1/completions` with fillin's own prompt.

It serves vLLM, LM Studio, llama.cpp's server, gateways and hosted APIs alike. The prompt
is always the one fillin's template rendered; the `suffix` parameter is never sent, since
vLLM rejects it and others ignore it. `model.url` may be given with or without `/v1`.

Several candidates (`candidates`) are asked for in one request with `n`; the streamed
choices carry their `index`. A server that refuses `n` above 1 (llama.cpp's does) is noted
once and then asked once per candidate.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

import httpx

from context.backends import GenerationRequest, report_usage, stop_sequences
from context.backends.candidates import sequential_candidates
from context.backends.http import HttpStatusError, auth_headers, new_client, openai_url, stream_json
from context.backends.throughput import openai_usage
from context.prompt.templates import Template
from context.settings import ModelSettings
from context.urls import without_credentials

DEFAULT_URL = "http://127.0.0.1:8000/v1"

log = logging.getLogger(__name__)


class OpenAIBackend:
    """Streams completions from an OpenAI-compatible `/v1/completions` endpoint."""

    name = "openai"

    def __init__(self, model: ModelSettings, template: Template) -> None:
        self.template = template
        self.url = openai_url(without_credentials(model.url or DEFAULT_URL), "completions")
        self._model = model
        self._client = new_client(model, self.url)
        self._is_n_supported = True
        self._stops = StopAllowance()

    async def stream(self, request: GenerationRequest) -> AsyncGenerator[str, None]:
        """Yield the text of one completion (the first candidate) as it arrives."""
        async with aclosing(self._choices(request, n=1)) as choices:
            async for _, text in choices:
                yield text

    async def candidates(self, request: GenerationRequest) -> list[str]:
        """`request.n_candidates` whole completions, in one request where the server allows."""
        n = request.n_candidates
        if n <= 1 or not self._is_n_supported:
            return await sequential_candidates(self, request)
        texts = [""] * n
        try:
            async with aclosing(self._choices(request, n=n)) as choices:
                async for index, text in choices:
                    if 0 <= index < n:
                        texts[index] += text
        except HttpStatusError as exc:
            if not _is_n_refused(exc):
                raise
            self._is_n_supported = False
            log.info("%s accepts only one candidate per request; asking once each", self.url)
            return await sequential_candidates(self, request)
        return texts

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._client.aclose()

    async def _choices(
        self, request: GenerationRequest, *, n: int
    ) -> AsyncGenerator[tuple[int, str], None]:
        """Yield (candidate index, text piece) pairs until the server ends the stream."""
        body = {"prompt": request.prompt, "n": n}
        events = openai_events(
            self._client, self.url, self._model, self.template, request, body, self._stops
        )
        async with aclosing(events):
            async for event in events:
                for choice in event.get("choices") or ():
                    text = choice.get("text")
                    if isinstance(text, str) and text:
                        yield choice.get("index", 0), text


class StopAllowance:
    """How many stop strings an OpenAI-compatible server accepts, learnt from its refusals.

    vLLM and llama.cpp take any number; OpenAI's own API takes at most 4, and some of its
    models none. After a 400 that names `stop`, the next attempt sends the last 4 (the
    request's own, such as line-mode stops, come last), then none; fillin's stream filter
    applies every stop string on its side anyway.
    """

    _LIMITS = (None, 4, 0)

    def __init__(self) -> None:
        self._level = 0

    def cut(self, stop: list[str]) -> list[str]:
        """The stop strings to send."""
        limit = self._LIMITS[self._level]
        return stop if limit is None else stop[len(stop) - limit :]

    def should_retry_after(self, exc: HttpStatusError, url: str) -> bool:
        """Whether `exc` refused the stop strings and fewer can be tried (then remember)."""
        if exc.status != 400 or "stop" not in exc.detail.lower():
            return False
        if self._level == len(self._LIMITS) - 1:
            return False
        self._level += 1
        limit = self._LIMITS[self._level]
        log.info("%s refused the stop strings (%s); sending at most %s", url, exc.detail, limit)
        return True


async def openai_events(
    client: httpx.AsyncClient,
    url: str,
    model: ModelSettings,
    template: Template,
    request: GenerationRequest,
    body: dict[str, Any],
    stops: StopAllowance,
) -> AsyncGenerator[dict[str, Any], None]:
    """Stream the events of an OpenAI-style request: `body` plus the common sampling fields."""
    wanted = stop_sequences(template.stop, request)
    while True:
        full = {
            **body,
            # OpenAI-compatible servers refuse 0: a warm-up asks for one token.
            "max_tokens": max(1, request.max_tokens),
            "temperature": request.temperature,
            "stream": True,
        }
        stop = stops.cut(wanted)
        if stop:
            full["stop"] = stop
        if model.name:
            full["model"] = model.name
        events = stream_json(
            client,
            url,
            full,
            framing="sse",
            server="the OpenAI-compatible server",
            headers=auth_headers(model),
            gap_ms=model.timeout_ms,
        )
        try:
            async with aclosing(events):
                async for event in events:
                    report_usage(request, openai_usage(event))
                    yield event
            return
        except HttpStatusError as exc:
            if not stops.should_retry_after(exc, url):
                raise


def _is_n_refused(exc: HttpStatusError) -> bool:
    """Whether the server rejected the request for asking for more than one choice."""
    return exc.status == 400 and ("'n'" in exc.detail or '"n"' in exc.detail)
