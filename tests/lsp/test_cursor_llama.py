"""A cursor report warms a real llama.cpp server (xllamacpp with the SmolLM2 GGUF): the
following request's prompt comes out of its cache, as llama.cpp's own `timings` say; and
opening a file starts the embedded server and measures it before any request.

The figures are read from the server's debug log (stderr, captured), where each answer's
cost is written from the `timings` of llama.cpp's last event (`prompt_n` evaluated,
`cache_n` reused). The document starts with a line unique to the test, so no prompt cached
by another test of the session can be what is reused.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import FIXTURES, Opened, initialize, inline_completion, open_fixture

pytestmark = pytest.mark.llm

_ANSWER = re.compile(
    r"answer from the (model|warm-up): (\d+) prompt tokens \(budget \d+\), "
    r"(\d+) evaluated, (\d+) reused"
)
# The first warm-up is a small probe (budget 160); the next one holds the whole budget.
_WARMED = re.compile(r"context\.pipeline: warm-up: (\d+) prompt tokens \(budget (\d{4,})\)")


async def test_a_request_after_a_cursor_report_reuses_the_warmed_prompt(
    client: LanguageClient, llama_server: str, capfd: pytest.CaptureFixture[str]
) -> None:
    settings = {
        "model": {
            "backend": "llamacpp",
            "url": llama_server,
            "temperature": 0.0,
            # A loaded two-core machine can take seconds per prompt and per line.
            "timeoutMs": 120_000,
            "firstTokenTimeoutMs": 120_000,
            "streamDeadlineMs": 120_000,
            # The whole prompt fits the target, so the request sends the warmed prompt.
            "latencyTargetMs": 60_000,
        },
        "completion": {"warmUp": True, "cache": False},
        "context": {"repository": False},
        "index": {"enabled": False},
        "validation": {"enabled": False},
        "logLevel": "debug",
    }
    await initialize(client, settings)
    marked = (FIXTURES / "project/src/shop/cart.py").read_text(encoding="utf-8")
    marked = f"# {uuid.uuid4().hex}\n" + marked
    offset = marked.index("$0")
    text = marked[:offset] + marked[offset + 2 :]
    before = text[:offset]
    position = types.Position(line=before.count("\n"), character=len(before.split("\n")[-1]))
    uri = (FIXTURES / "project/src/shop/cart.py").as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text
            )
        )
    )
    client.protocol.notify(
        "fillin/didChangeCursor",
        {
            "textDocument": {"uri": uri, "version": 1},
            "position": {"line": position.line, "character": position.character},
        },
    )
    logged = ""
    for _ in range(600):
        logged += capfd.readouterr().err
        if _WARMED.search(logged):
            break
        await asyncio.sleep(0.1)
    warmed = _WARMED.search(logged)
    assert warmed is not None, "the warm-up did not finish"

    await inline_completion(client, Opened(uri=uri, text=text, position=position))
    logged += capfd.readouterr().err

    answer = _ANSWER.search(logged)
    assert answer is not None, logged[-2000:]
    source, n_prompt, n_evaluated, n_reused = answer.groups()
    assert source == "warm-up"
    assert int(n_prompt) == int(warmed.group(1))
    # llama.cpp evaluates the prompt's last token again to generate from it.
    assert int(n_reused) >= int(n_prompt) - 8 > 0
    assert int(n_evaluated) <= 8


async def test_opening_a_file_starts_the_embedded_server_and_measures_it(
    client: LanguageClient, llama_model_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """With the embedded backend, opening a document starts its llama.cpp server and runs
    the fixed probe (no user text) before any completion is asked for, so the first
    request is sized to the measured rate rather than to the prior."""
    settings = {
        "model": {"backend": "embedded", "path": str(llama_model_path), "threads": 1},
        "context": {"repository": False},
        "index": {"enabled": False},
        "logLevel": "debug",
    }
    await initialize(client, settings)
    open_fixture(client, "project/src/shop/cart.py")

    logged = ""
    for _ in range(600):
        logged += capfd.readouterr().err
        if "the embedded server's probe:" in logged:
            break
        await asyncio.sleep(0.1)

    probe = re.search(r"the embedded server's probe: (\d+) prompt tokens in ([\d.]+) ms", logged)
    assert probe is not None, logged[-2000:]
    assert int(probe.group(1)) >= 16 and float(probe.group(2)) > 0
    assert "answer from the" not in logged
