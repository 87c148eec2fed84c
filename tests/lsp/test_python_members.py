"""Python member context end to end: `fillin/context` through a real `fillin serve` over the
`pytypes` fixture repository, indexed in the background as an editor's workspace folder.

The cursor sits after `item.` where `item = self._pairs[idx][1]` and `_pairs` is annotated
`list[tuple[str, Item]]`: only reading the annotation's arguments finds `Item`, whose method
must reach the prompt, under the "member" source, with the default retrieval deadline.
"""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import initialize, model_settings
from tests.lsp.test_requests import request, wait_for_index
from tests.modelserver import ModelServer

REPO = Path(__file__).resolve().parents[1] / "fixtures" / "repos" / "pytypes"


async def test_a_subscripted_fields_member_reaches_the_prompt(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    settings = model_settings(model_server, template="prefix-only")
    # Repository context on, with its default deadlines (the helper turns it off).
    settings["context"] = {"repository": True}
    settings["index"] = {"enabled": True, "directory": str(tmp_path / "index")}
    await initialize(client, settings, folders=[REPO])
    await wait_for_index(client)
    path = REPO / "shop" / "cart.py"
    text = path.read_text(encoding="utf-8")
    line = "        return item.discounted(10)"
    offset = text.index(line) + len("        return item.")
    text = text[:offset] + text[text.index("\n", offset) :]
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=path.as_uri(), language_id="python", version=1, text=text
            )
        )
    )
    before = text[:offset]
    position = {"line": before.count("\n"), "character": len(before) - before.rfind("\n") - 1}

    result = await request(
        client, "fillin/context", {"textDocument": {"uri": path.as_uri()}, "position": position}
    )

    members = [s for s in result.sections if s.source == "member"]
    assert [s.path for s in members] == ["shop/item.py"]
    assert "def discounted(self, percent: int) -> int:" in result.prompt
