"""Random documents, positions and model output through a real `fillin serve` (hypothesis).

One server, driven by pytest-lsp, takes every example in turn: it opens a random
document, asks for an inline completion (the loopback model server in tests/modelserver.py
stands in for an external model service and answers with the example's random text),
then `fillin/validate` and `fillin/context` at a random position, in range or not. Each
request must be answered within its deadline, with a result or a clear JSON-RPC error,
and the server must still answer after the last example.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.context.test_fuzz_pure import TEXT
from tests.lsp.conftest import initialize, model_settings
from tests.modelserver import ModelServer

DEADLINE_S = 10.0
"""Each request's answer must come within this (the client's timeout is longer)."""
N_EXAMPLES = 40
URIS = (f"file:///fuzz/doc{n}.py" for n in itertools.count())


async def answered(call: Any) -> Any:
    """The answer to `call`, or the JSON-RPC error it got; a timeout fails the test."""
    try:
        return await asyncio.wait_for(call, DEADLINE_S)
    except JsonRpcException as exc:
        assert exc.message, "an error must say what is wrong"
        return exc


async def test_the_server_answers_every_random_request_in_time(
    client: LanguageClient, model_server: ModelServer
) -> None:
    await initialize(client, model_settings(model_server, template="codellama", timeoutMs=3000))
    n_examples = 0

    @settings(
        max_examples=N_EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        text=TEXT,
        line=st.integers(0, 40) | st.integers(-1, 2**31),
        character=st.integers(0, 80) | st.integers(-1, 2**31),
        reply=TEXT,
    )
    def example(text: str, line: int, character: int, reply: str) -> None:
        nonlocal n_examples
        n_examples += 1
        future = asyncio.run_coroutine_threadsafe(
            one_example(client, model_server, text, line, character, reply), loop
        )
        future.result(timeout=4 * DEADLINE_S)

    loop = asyncio.get_running_loop()
    await asyncio.to_thread(example)
    assert n_examples == N_EXAMPLES

    # Alive and serving after all of them.
    uri = _open(client, "def f():\n    \n")
    result = await answered(
        client.protocol.send_request_async("fillin/validate", _params(uri, 1, 4, "return 1\n"))
    )
    assert result.ok


async def one_example(
    client: LanguageClient,
    model_server: ModelServer,
    text: str,
    line: int,
    character: int,
    reply: str,
) -> None:
    model_server.replies = [reply]
    uri = _open(client, text)
    # The typed inline request must hold an LSP uinteger; the raw ones below need not.
    position = types.Position(
        line=min(max(0, line), 2**31 - 1), character=min(max(0, character), 2**31 - 1)
    )
    await answered(
        client.text_document_inline_completion_async(
            types.InlineCompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=position,
                context=types.InlineCompletionContext(
                    trigger_kind=types.InlineCompletionTriggerKind.Invoked
                ),
            )
        )
    )
    for method, extra in (("fillin/validate", {"text": reply}), ("fillin/context", {})):
        params = {**_params(uri, line, character, ""), **extra}
        await answered(client.protocol.send_request_async(method, params))
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


def _open(client: LanguageClient, text: str) -> str:
    """Open `text` as a new Python document; returns its URI."""
    uri = next(URIS)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text
            )
        )
    )
    return uri


def _params(uri: str, line: int, character: int, text: str) -> dict[str, Any]:
    return {
        "textDocument": {"uri": uri},
        "position": {"line": line, "character": character},
        "text": text,
    }
