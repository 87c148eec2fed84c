"""Python member context end to end: `fillin/context` through a real `fillin serve` over
fixture repositories, indexed in the background as an editor's workspace folder, with
repository context on and the default retrieval deadlines.

- `pytypes`: the cursor sits after `item.` where `item = self._pairs[idx][1]` and `_pairs`
  is annotated `list[tuple[str, Item]]`: only reading the annotation's arguments finds
  `Item`, whose method must reach the prompt, under the "member" source.
- `py_evidence`: `self.console.|` on a `Console` with more members than are shown, in a file
  that has not called `clear_live` yet: three other files of the package call it, so it is
  shown and reaches the prompt.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import initialize, model_settings
from tests.lsp.test_requests import request, wait_for_index
from tests.modelserver import ModelServer

REPO = Path(__file__).resolve().parents[1] / "fixtures" / "repos" / "pytypes"
EVIDENCE_REPO = REPO.parent / "py_evidence"


async def context_after(
    client: LanguageClient,
    model_server: ModelServer,
    index_dir: Path,
    repo: Path,
    rel_path: str,
    line_start: str,
) -> Any:
    """The `fillin/context` answer with the cursor right after `line_start` (its first
    occurrence in `rel_path`; it may span lines), the rest of that line removed."""
    settings = model_settings(model_server, template="prefix-only")
    # Repository context on, with its default deadlines (the helper turns it off).
    settings["context"] = {"repository": True}
    settings["index"] = {"enabled": True, "directory": str(index_dir)}
    await initialize(client, settings, folders=[repo])
    await wait_for_index(client)
    path = repo / rel_path
    text = path.read_text(encoding="utf-8")
    offset = text.index(line_start) + len(line_start)
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
    return await request(
        client, "fillin/context", {"textDocument": {"uri": path.as_uri()}, "position": position}
    )


async def test_a_subscripted_fields_member_reaches_the_prompt(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    result = await context_after(
        client, model_server, tmp_path / "index", REPO, "shop/cart.py", "        return item."
    )

    members = [s for s in result.sections if s.source == "member"]
    assert [s.path for s in members] == ["shop/item.py"]
    assert "def discounted(self, percent: int) -> int:" in result.prompt


async def test_a_member_the_package_calls_reaches_the_prompt_of_a_file_that_has_not(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    result = await context_after(
        client,
        model_server,
        tmp_path / "index",
        EVIDENCE_REPO,
        "term/live.py",
        "    def stop(self) -> None:\n        self.console.",
    )

    members = [s for s in result.sections if s.source == "member"]
    # The best members, then (`Console` has more than an outline lists) the next ones.
    assert {s.path for s in members} == {"term/console.py"}
    assert "def clear_live(self) -> None:" in members[0].text
    assert "def clear_live(self) -> None:" in result.prompt
