"""The chat backend: `/v1/chat/completions` asked to fill a hole, for models without FIM.

The model gets a system message that describes the job and a user message that shows the
repository snippets, then the file with a hole marker where the cursor is. With
`request.instruction` set (generate-from-comment), it is asked for code at the hole that
does what the instruction says. Chat models wrap code in markdown fences however they are
asked, so the streamed answer goes through a `FenceStripper`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing

from context.backends import GenerationRequest
from context.backends.fences import FenceStripper
from context.backends.http import new_client, openai_url
from context.backends.openai import StopAllowance, openai_events
from context.prompt.templates import Template
from context.settings import ModelSettings
from context.urls import without_credentials

DEFAULT_URL = "http://127.0.0.1:8000/v1"
HOLE = "{{FILL_HERE}}"

SYSTEM_PROMPT = (
    f"You are a code completion engine. The user shows a file with the marker {HOLE} "
    f"where code is missing. Reply with only the code that replaces {HOLE}: no "
    "explanations, no markdown fences, and never repeat the code before or after it. "
    "Match the file's indentation."
)


class OpenAIChatBackend:
    """Streams hole-filling answers from an OpenAI-compatible chat endpoint."""

    name = "openai-chat"

    def __init__(self, model: ModelSettings, template: Template) -> None:
        self.template = template
        self.url = openai_url(without_credentials(model.url or DEFAULT_URL), "chat/completions")
        self._model = model
        self._client = new_client(model, self.url)
        self._stops = StopAllowance()

    async def stream(self, request: GenerationRequest) -> AsyncGenerator[str, None]:
        """Yield the code of the answer, fences stripped, as it arrives."""
        body = {"messages": chat_messages(request)}
        events = openai_events(
            self._client, self.url, self._model, self.template, request, body, self._stops
        )
        fences = FenceStripper()
        async with aclosing(events):
            async for event in events:
                for choice in event.get("choices") or ():
                    if choice.get("index", 0) != 0:
                        continue
                    content = (choice.get("delta") or {}).get("content")
                    code = fences.feed(content) if isinstance(content, str) else ""
                    if code:
                        yield code
                if fences.is_done:
                    return
        rest = fences.finish()
        if rest:
            yield rest

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._client.aclose()


def chat_messages(request: GenerationRequest) -> list[dict[str, str]]:
    """The system and user messages that ask for the code at the cursor."""
    parts = []
    if request.extra:
        parts.append("Code from elsewhere in the repository:\n")
        for snippet in request.extra:
            parts.append(f"--- {snippet.path}\n{snippet.text.rstrip()}\n")
        parts.append("\n")
    name = request.path or "the file"
    parts.append(f"The file {name}, with {HOLE} where code is missing:\n")
    parts.append(f"```{request.language}\n{request.prefix}{HOLE}{request.suffix}\n```\n")
    if request.instruction:
        parts.append(f"\nReplace {HOLE} with code that does this: {request.instruction}\n")
    else:
        parts.append(f"\nReply with the code that replaces {HOLE}.\n")
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": "".join(parts)},
    ]
