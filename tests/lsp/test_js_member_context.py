"""`fillin/context` through a real `fillin serve` for a JavaScript receiver with no declared type.

The `js_members` fixture repository's `lib/context.js` is a CommonJS `module.exports = {...}`
object whose `this.` members are defined in other files' exported objects, and it requires
no file of its own package: before `retrieval.named_members`, the prompt at `this.|` held no
definitions at all. The model server is the deterministic stand-in (tests/modelserver.py);
it is never asked, since `fillin/context` only builds the prompt.
"""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import initialize
from tests.lsp.test_requests import indexed_settings, request, wait_for_index
from tests.modelserver import ModelServer

REPO = Path(__file__).resolve().parents[1] / "fixtures" / "repos" / "js_members"


async def test_this_in_an_exported_object_gets_the_members_it_uses_from_other_files(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    settings = indexed_settings(model_server, tmp_path)
    settings["context"]["maxPromptTokens"] = 2048
    await initialize(client, settings, folders=[REPO])
    await wait_for_index(client)
    path = REPO / "lib" / "context.js"
    text = path.read_text(encoding="utf-8")
    line = "    if (this.headerSent) return"
    line_start = text.index(line)
    column = line.index("headerSent")
    hole = text[: line_start + column] + text[line_start + len(line) :]
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=path.as_uri(), language_id="javascript", version=1, text=hole
            )
        )
    )
    position = {"line": text[:line_start].count("\n"), "character": column}

    result = await request(
        client, "fillin/context", {"textDocument": {"uri": path.as_uri()}, "position": position}
    )

    sources = {(s.source, s.path) for s in result.sections}
    assert ("member", "lib/response.js") in sources
    assert "get headerSent ()" in result.prompt
    assert "redirect (url, alt)" in result.prompt
