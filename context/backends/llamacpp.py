"""The llama.cpp server backend: prompts rendered by fillin go to `/completion`.

`/completion` receives the prompt that fillin's template rendered, laid out for the server's
prompt cache (`cache_prompt`): with a FIM template the cursor line's head comes after the
middle marker, so a keystroke changes only the prompt's last tokens. llama.cpp's `/infill`
would put the suffix after the whole prefix and evaluate it again on every keystroke.

When fillin does not know the model's template (`learn_template`), the server does: the
first request asks `/infill` to lay out two markers (context/backends/infill_layout.py) and
the backend takes the layout it shows as its template, so the prompts that follow are
rendered with the model's own FIM tokens and go to `/completion`. A request rendered before
that, and every request to a server whose layout cannot be read, sends the raw parts
(`input_prefix`, `input_suffix`, the snippets as `input_extra`) to `/infill`. A server whose
model has no FIM tokens answers `/infill` with 501 (older servers with 404); the backend
then notes it once, logs it once and keeps to `/completion` with its template.

Pieces arrive as server-sent events `data: {"content": "...", "stop": false}`; the event
with `"stop": true` is the last.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

from context.backends import GenerationRequest, report_usage, stop_sequences
from context.backends.http import (
    HttpStatusError,
    auth_headers,
    join_url,
    new_client,
    stream_json,
)
from context.backends.infill_layout import PROBE_BODY, template_from_echo
from context.backends.throughput import llamacpp_usage
from context.prompt.templates import Template
from context.settings import ModelSettings
from context.urls import without_credentials

DEFAULT_URL = "http://127.0.0.1:8080"

log = logging.getLogger(__name__)

# Statuses with which a llama.cpp server says that it cannot infill with its model.
_NO_INFILL_STATUSES = (404, 501)
_BUSY_STATUS = 503


class LlamaCppBackend:
    """Streams completions from a llama.cpp server (`llama-server`)."""

    name = "llamacpp"

    def __init__(
        self,
        model: ModelSettings,
        template: Template,
        *,
        url: str | None = None,
        use_infill: bool = False,
        learn_template: bool = False,
        server_hint: str = "llama-server",
        headers: dict[str, str] | None = None,
    ) -> None:
        """`use_infill` sends the raw parts to `/infill` unless `template` is FIM-capable
        (fillin's rendering then goes to `/completion`); `learn_template` (with
        `use_infill`) takes the layout the server shows as the template; `url` defaults to
        `model.url`; `headers` replace the `model.apiKeyEnv` header (the embedded server's
        own key)."""
        self.template = template
        self.url = without_credentials(url or model.url or DEFAULT_URL)
        self.is_using_infill = use_infill and not template.is_fim
        self._should_learn = learn_template and self.is_using_infill
        self._model = model
        self._server_hint = server_hint
        self._headers = headers
        self._client = new_client(model, self.url)

    async def stream(self, request: GenerationRequest) -> AsyncGenerator[str, None]:
        """Yield the completion's text from `/completion`, or `/infill` while the layout is
        the server's alone."""
        headers = self._headers if self._headers is not None else auth_headers(self._model)
        if self.is_using_infill:
            try:
                # This request was rendered with the template in hand; a layout learned
                # now serves the requests after it.
                rendered_with = self.template
                if self._should_learn:
                    await self._learn_template(headers)
                body = _infill_body(request, rendered_with)
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

    async def _learn_template(self, headers: dict[str, str]) -> None:
        """Ask the server for its FIM layout once; from now on, render with it.

        A 501 (the model cannot infill), a busy server (503), a connection that failed and
        a cancellation raise; all but the 501 leave the probe to the next request. Any other
        refusal leaves the layout to the server (`/infill`).
        """
        self._should_learn = False
        # The answer is one JSON object on one line, read as the first of a stream.
        replies = stream_json(
            self._client,
            join_url(self.url, "/infill"),
            PROBE_BODY,
            framing="ndjson",
            server=self._server_hint,
            headers=headers,
        )
        try:
            async with aclosing(replies):
                reply = await anext(replies, None)
        except HttpStatusError as exc:
            if exc.status in _NO_INFILL_STATUSES:
                raise
            if exc.status == _BUSY_STATUS:
                # All slots busy: the request is asked again, and so is the probe.
                self._should_learn = True
                raise
            log.info(
                "%s refused the layout probe (%s); sending the raw parts to /infill", self.url, exc
            )
            return
        except BaseException:
            self._should_learn = True
            raise
        echo = reply.get("prompt") if isinstance(reply, dict) else None
        learned = (
            template_from_echo(echo, "server-fim", self.template.stop)
            if isinstance(echo, str)
            else None
        )
        if learned is None:
            log.info("%s did not show its FIM layout; sending the raw parts to /infill", self.url)
            return
        self.template = learned
        self.is_using_infill = False
        log.info(
            "%s lays out FIM prompts with %s: rendering them for /completion",
            self.url,
            " ".join(repr(t) for t in (learned.fim_prefix, learned.fim_suffix, learned.fim_middle)),
        )

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
    # `template` is the one the request was rendered with: its stop strings.
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
