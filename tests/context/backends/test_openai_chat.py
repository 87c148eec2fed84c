"""The chat backend: the fill-the-hole messages, fence stripping, and a real chat model.

llama.cpp's server answers `/v1/chat/completions` with SmolLM2-Instruct's chat template,
so the real-server test needs no stand-in. Exact answers (fenced code split at awkward
places) come from a `ScriptedServer`; `FenceStripper` cases are a table run by one helper.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import aclosing

import pytest

from context.backends import GenerationRequest
from context.backends.fences import FenceStripper
from context.backends.openai_chat import HOLE, SYSTEM_PROMPT, OpenAIChatBackend, chat_messages
from context.prompt.templates import PREFIX_ONLY
from context.settings import ModelSettings
from context.snippet import Snippet
from tests.modelserver import Route, ScriptedReply, ScriptedServer, sse

Scripted = Callable[[Mapping[str, Route]], ScriptedServer]

REQUEST = GenerationRequest(
    prompt="",
    prefix="def add(a, b):\n    ",
    suffix="\n\nprint(add(1, 2))\n",
    extra=(Snippet("definition", "calc/ops.py", 0, 1, "def sub(a, b):\n    return a - b\n"),),
    max_tokens=32,
    language="python",
    path="calc/main.py",
)

# (description, answer as streamed pieces, code that must come out)
FENCE_CASES = [
    ("plain code passes", ["return a", " + b"], "return a + b"),
    ("fence with language", ["```python\nreturn a + b\n```"], "return a + b"),
    ("fence split everywhere", list("```py\nreturn a + b\n```\nDone."), "return a + b"),
    ("blank lines before fence", ["\n\n", "``", "`\n", "x = 1\n", "``", "`"], "x = 1"),
    ("explanation after code", ["```\nx = 1\n```\n\nThis sets x."], "x = 1"),
    ("backticks inside code", ["```\ns = '``'\n", "t = 1\n```"], "s = '``'\nt = 1"),
    ("unclosed fence", ["```js\n", "let x = 1;\n"], "let x = 1;\n"),
    ("only a fence line", ["```python"], ""),
    ("indented code kept", ["        return 1\n"], "        return 1\n"),
    ("lone backtick", ["`"], "`"),
]


def strip(pieces: list[str]) -> str:
    fences = FenceStripper()
    return "".join(fences.feed(piece) for piece in pieces) + fences.finish()


@pytest.mark.parametrize(("description", "pieces", "code"), FENCE_CASES)
def test_fence_stripper(description: str, pieces: list[str], code: str) -> None:
    assert strip(pieces) == code, description


def test_messages_show_the_hole_the_snippets_and_the_file() -> None:
    system, user = chat_messages(REQUEST)
    assert system == {"role": "system", "content": SYSTEM_PROMPT}
    assert user["role"] == "user"
    assert user["content"] == (
        "Code from elsewhere in the repository:\n"
        "--- calc/ops.py\ndef sub(a, b):\n    return a - b\n\n"
        f"The file calc/main.py, with {HOLE} where code is missing:\n"
        f"```python\ndef add(a, b):\n    {HOLE}\n\nprint(add(1, 2))\n\n```\n"
        f"\nReply with the code that replaces {HOLE}.\n"
    )


def test_an_instruction_asks_for_code_that_follows_it() -> None:
    request = GenerationRequest("", "x = ", "", instruction="parse the config file")
    content = chat_messages(request)[1]["content"]
    assert content.endswith(f"\nReplace {HOLE} with code that does this: parse the config file\n")


async def test_streamed_fenced_answer_becomes_code_and_stops(scripted: Scripted) -> None:
    answer = ["```", "python\n", "return a", " + b\n", "```", "\nThis adds.", " More."]
    deltas = [{"choices": [{"index": 0, "delta": {"content": text}}]} for text in answer]
    first = {"choices": [{"index": 0, "delta": {"role": "assistant", "content": None}}]}
    async with scripted(
        {"/v1/chat/completions": ScriptedReply(chunks=sse(first, *deltas))}
    ) as server:
        backend = OpenAIChatBackend(ModelSettings(url=server.url, name="chat"), PREFIX_ONLY)
        async with aclosing(backend.stream(REQUEST)) as pieces:
            code = "".join([piece async for piece in pieces])
        await backend.aclose()
    assert code == "return a + b"
    body = server.received[0].body
    assert body["messages"] == chat_messages(REQUEST)
    assert body["model"] == "chat"
    assert body["stream"] is True
    assert body["max_tokens"] == 32


@pytest.mark.llm
async def test_a_real_chat_model_answers_without_fences(real_model: ModelSettings) -> None:
    backend = OpenAIChatBackend(real_model, PREFIX_ONLY)
    request = GenerationRequest(
        "", "def add(a, b):\n    ", "\n", max_tokens=12, temperature=0.0, language="python"
    )
    async with aclosing(backend.stream(request)) as pieces:
        texts = [piece async for piece in pieces]
    await backend.aclose()
    assert all(isinstance(t, str) and t for t in texts)
    assert "```" not in "".join(texts)
