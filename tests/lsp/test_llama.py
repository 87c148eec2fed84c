"""A completion through a real llama.cpp server (xllamacpp with the SmolLM2 GGUF), end to end.

A 135M model's text is not stable across builds, so the test asserts on the answer's
structure: one suggestion, with text, placed at the cursor, carrying its acceptance command.
"""

from __future__ import annotations

import pytest
from pytest_lsp import LanguageClient

from tests.lsp.conftest import initialize, inline_completion, items_of, open_fixture

pytestmark = pytest.mark.llm


async def test_completion_comes_back_through_a_real_llama_server(
    client: LanguageClient, llama_server: str
) -> None:
    settings = {
        "model": {
            "backend": "llamacpp",
            "url": llama_server,
            "temperature": 0.0,
            # A loaded two-core machine can take seconds before the first token.
            "timeoutMs": 120_000,
        },
        "context": {"repository": False},
        "index": {"enabled": False},
        # Judge the plumbing, not a tiny model's code: keep whatever it writes.
        "validation": {"enabled": False},
    }
    await initialize(client, settings)
    opened = open_fixture(client, "project/src/shop/cart.py")

    items = items_of(await inline_completion(client, opened))

    assert client.messages == []
    assert len(items) == 1
    (item,) = items
    assert isinstance(item.insert_text, str) and item.insert_text.strip()
    assert item.range is not None and item.range.start == opened.position
    assert item.command is not None and item.command.arguments
