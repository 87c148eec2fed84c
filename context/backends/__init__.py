"""Model backends: one small async protocol in front of every model server.

A backend turns a `GenerationRequest` into a stream of text pieces. Each backend declares
its own quirks (its prompt template and stop tokens, what it renders itself); nothing
downstream checks model names. Closing the stream (leaving the `async for`, or a cancelled
task) closes the HTTP response, so the model server stops generating.

Errors are translated at the edge into `context.errors.BackendError` subclasses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from context.snippet import Snippet

if TYPE_CHECKING:
    from context.templates import Template


@dataclass(frozen=True)
class GenerationRequest:
    """Everything a backend may need to ask for one completion.

    `prompt` is the full prompt already rendered with the backend's template (what
    `/completion`, `/v1/completions` and Ollama's raw mode receive). `prefix`, `suffix` and
    `extra` are the raw parts, for endpoints that render the prompt themselves (llama.cpp's
    `/infill`) or for chat models. `instruction`, when set, asks a chat model for code that
    follows it (generate-from-comment).
    """

    prompt: str
    prefix: str
    suffix: str
    extra: tuple[Snippet, ...] = ()
    max_tokens: int = 128
    temperature: float = 0.2
    stop: tuple[str, ...] = ()
    n_candidates: int = 1
    language: str = ""
    path: str = ""
    instruction: str | None = None


class Backend(Protocol):
    """A model server that streams completions."""

    name: str
    template: Template

    def stream(self, request: GenerationRequest) -> AsyncIterator[str]:
        """Yield the completion's text as it arrives; raise `BackendError` on failure."""
        ...

    async def aclose(self) -> None:
        """Release connections and any model server that this backend started."""
        ...
