"""The llama.cpp server backend: `/infill` for fill-in-the-middle, `/completion` otherwise.

With a FIM-capable model, `/infill` receives the raw parts (`input_prefix`, `input_suffix`
and the repository snippets as `input_extra`) and the server lays them out with the FIM
tokens that the GGUF file declares; `cache_prompt` lets consecutive requests reuse the
evaluated prompt. A server whose model has no FIM tokens answers `/infill` with 501 (older
servers with 404); the backend then notes it once, logs it once and sends every later
request to `/completion` with the prompt that fillin's template rendered.

Pieces arrive as server-sent events `data: {"content": "...", "stop": false}`; the event
with `"stop": true` is the last.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

from context.backends import GenerationRequest, report_usage, stop_sequences
from context.backends.http import HttpStatusError, auth_headers, join_url, new_client, stream_json
from context.backends.throughput import llamacpp_usage
from context.prompt.templates import Template
from context.settings import ModelSettings
from context.urls import without_credentials

DEFAULT_URL = "http://127.0.0.1:8080"

log = logging.getLogger(__name__)

# Statuses with which a llama.cpp server says that it cannot infill with its model.
_NO_INFILL_STATUSES = (404, 501)


class LlamaCppBackend:
    """Streams completions from a llama.cpp server (`llama-server`)."""

    name = "llamacpp"

    def __init__(
        self,
        model: ModelSettings,
        template: Template,
        *,
        url: str | None = None,
        use_infill: bool | None = None,
        server_hint: str = "llama-server",
        headers: dict[str, str] | None = None,
    ) -> None:
        """`use_infill` defaults to whether `template` is FIM-capable; `url` to `model.url`;
        `headers` replace the `model.apiKeyEnv` header (the embedded server's own key)."""
        self.template = template
        self.url = without_credentials(url or model.url or DEFAULT_URL)
        self.is_using_infill = template.is_fim if use_infill is None else use_infill
        self._model = model
        self._server_hint = server_hint
        self._headers = headers
        self._client = new_client(model, self.url)

    async def stream(self, request: GenerationRequest) -> AsyncGenerator[str, None]:
        """Yield the completion's text; `/infill` when the model can, `/completion` otherwise."""
        headers = self._headers if self._headers is not None else auth_headers(self._model)
        if self.is_using_infill:
            try:
                body = _infill_body(request, self.template)
                async with aclosing(self._pieces("/infill", body, headers, request)) as it:
                    async for piece in it:
                        yield piece
                return
            except HttpStatusError as exc:
                if exc.status not in _NO_INFILL_STATUSES:
                    raise
                self.is_using_infill = False
                log.info(
                    "%s cannot infill with its model (%s); using /completion with the %s template",
                    self.url,
                    exc.detail,
                    self.template.name,
                )
        body = _completion_body(request, self.template)
        async with aclosing(self._pieces("/completion", body, headers, request)) as pieces:
            async for piece in pieces:
                yield piece

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._client.aclose()

    async def _pieces(
        self,
        endpoint: str,
        body: dict[str, Any],
        headers: dict[str, str],
        request: GenerationRequest,
    ) -> AsyncGenerator[str, None]:
        events = stream_json(
            self._client,
            join_url(self.url, endpoint),
            body,
            framing="sse",
            server=self._server_hint,
            headers=headers,
            gap_ms=self._model.timeout_ms,
        )
        # The event with `"stop": true` is the last; the stream is read to its end (the
        # server closes it right away) so that the connection goes back to the pool.
        async with aclosing(events):
            async for event in events:
                if event.get("stop"):
                    report_usage(request, llamacpp_usage(event))
                content = event.get("content")
                if isinstance(content, str) and content:
                    yield content


def _infill_body(request: GenerationRequest, template: Template) -> dict[str, Any]:
    # The whole prefix goes in `input_prefix`: the server appends a `prompt` to the prefix,
    # before the suffix, so sending the cursor line's head apart would save nothing.
    return {
        "input_prefix": request.prefix,
        "input_suffix": request.suffix,
        "input_extra": [{"filename": s.path, "text": s.text} for s in request.extra],
        **_sampling(request, template.stop),
    }


def _completion_body(request: GenerationRequest, template: Template) -> dict[str, Any]:
    return {"prompt": request.prompt, **_sampling(request, template.stop)}


def _sampling(request: GenerationRequest, template_stop: tuple[str, ...]) -> dict[str, Any]:
    return {
        "n_predict": request.max_tokens,
        "temperature": request.temperature,
        "stop": stop_sequences(template_stop, request),
        "cache_prompt": True,
        "stream": True,
    }
