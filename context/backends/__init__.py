"""Model backends: one small async protocol in front of every model server.

A backend turns a `GenerationRequest` into a stream of text pieces. Each backend declares
its own quirks (its prompt template and stop tokens, what it renders itself); nothing
downstream checks model names. Closing the stream (`await stream.aclose()`, leaving an
`async with contextlib.aclosing(backend.stream(...))` block, or cancelling the task that
iterates it) closes the HTTP response at once, so the model server stops generating.

`make_backend` builds the backend that the model settings describe. Backends that can
return several candidates in one request also offer `candidates(request) -> list[str]`;
`context.backends.candidates.collect_candidates` works with any backend.

Errors are translated at the edge into `context.errors.BackendError` subclasses.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from context.settings import ModelSettings
from context.snippet import Snippet

if TYPE_CHECKING:
    from context.backends.throughput import Usage
    from context.prompt.templates import Template


@dataclass(frozen=True)
class GenerationRequest:
    """Everything a backend may need to ask for one completion.

    `prompt` is the full prompt already rendered with the backend's template (what
    `/completion`, `/v1/completions` and Ollama's raw mode receive). `prefix`, `suffix` and
    `extra` are the raw parts, for endpoints that render the prompt themselves (llama.cpp's
    `/infill`) or for chat models. `instruction`, when set, asks a chat model for code that
    follows it (generate-from-comment).

    `max_tokens` 0 asks only to evaluate the
    prompt into the server's cache (a warm-up). `on_usage`, when set, receives what the
    server said the request cost (`context.throughput.Usage`), once, at the end of the stream.
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
    on_usage: Callable[[Usage], None] | None = None


def report_usage(request: GenerationRequest, usage: Usage | None) -> None:
    """Hand `usage` to the request's `on_usage`, when both are there."""
    if usage is not None and request.on_usage is not None:
        request.on_usage(usage)


class Backend(Protocol):
    """A model server that streams completions."""

    name: str
    template: Template

    def stream(self, request: GenerationRequest) -> AsyncGenerator[str, None]:
        """Yield the completion's text as it arrives; raise `BackendError` on failure."""
        ...

    async def aclose(self) -> None:
        """Release connections and any model server that this backend started."""
        ...


def stop_sequences(template_stop: Sequence[str], request: GenerationRequest) -> list[str]:
    """The template's stop strings and the request's, each once, in that order."""
    return list(dict.fromkeys((*template_stop, *request.stop)))


def make_backend(model: ModelSettings, *, root: Path | None = None) -> Backend:
    """The backend that `model` describes; an empty `model.backend` means `embedded`.

    The template is `model.template` when set (a bad name raises `SettingsError`), else
    inferred from `model.name` (the embedded default model gets prefix-only). `root`, the
    workspace root, resolves a relative `model.path`. Nothing connects until the first
    request, so this never fails on an unreachable server.
    """
    from context.prompt.templates import get_template, infer_template

    template = get_template(model.template) if model.template else infer_template(model.name)
    backend = model.backend or "embedded"
    if backend == "llamacpp":
        from context.backends.llamacpp import LlamaCppBackend

        # llama-server knows its model's FIM tokens: unless a template says how to lay the
        # prompt out, the backend learns the server's layout through /infill; it falls
        # back to /completion once if the model cannot infill.
        is_unknown = not model.template and not template.is_fim
        return LlamaCppBackend(model, template, use_infill=is_unknown, learn_template=is_unknown)
    if backend == "openai":
        from context.backends.openai import OpenAIBackend

        return OpenAIBackend(model, template)
    if backend == "ollama":
        from context.backends.ollama import OllamaBackend

        return OllamaBackend(model, template)
    if backend == "openai-chat":
        from context.backends.openai_chat import OpenAIChatBackend

        return OpenAIChatBackend(model, template)
    from context.backends.embedded import EmbeddedBackend

    return EmbeddedBackend(model, root=root)
