"""The Ollama backend: `/api/generate` in raw mode with fillin's own prompt.

Raw mode (`"raw": true`) makes Ollama skip its model's prompt template, so the prompt that
fillin's template rendered reaches the model as it is. The answer is NDJSON: one object per
line with a `response` piece, the last with `"done": true`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

from context.backends import GenerationRequest, report_usage, stop_sequences
from context.backends.http import auth_headers, join_url, new_client, stream_json
from context.backends.throughput import ollama_usage
from context.errors import BackendUnavailable
from context.prompt.templates import Template
from context.settings import ModelSettings
from context.urls import without_credentials

DEFAULT_URL = "http://127.0.0.1:11434"


class OllamaBackend:
    """Streams completions from an Ollama server."""

    name = "ollama"

    def __init__(self, model: ModelSettings, template: Template) -> None:
        self.template = template
        self.url = join_url(without_credentials(model.url or DEFAULT_URL), "/api/generate")
        self._model = model
        self._client = new_client(model, self.url)

    async def stream(self, request: GenerationRequest) -> AsyncGenerator[str, None]:
        """Yield the completion's text as Ollama generates it."""
        if not self._model.name:
            raise BackendUnavailable(
                "model.name: Ollama needs a model name (e.g. qwen2.5-coder:1.5b-base; "
                "`ollama list` shows yours)"
            )
        body: dict[str, Any] = {
            "model": self._model.name,
            "prompt": request.prompt,
            "raw": True,
            "stream": True,
            "options": {
                # Ollama reads 0 as "no limit": a warm-up asks for one token.
                "num_predict": max(1, request.max_tokens),
                "temperature": request.temperature,
                "stop": stop_sequences(self.template.stop, request),
            },
        }
        events = stream_json(
            self._client,
            self.url,
            body,
            framing="ndjson",
            server="ollama (`ollama serve`)",
            headers=auth_headers(self._model),
            gap_ms=self._model.timeout_ms,
        )
        async with aclosing(events):
            async for event in events:
                report_usage(request, ollama_usage(event))
                piece = event.get("response")
                if isinstance(piece, str) and piece:
                    yield piece

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._client.aclose()
