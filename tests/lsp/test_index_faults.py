"""A corrupt or locked index through a real `fillin serve`: completions still come, and the
index is rebuilt (corrupt) or replaced by a private copy (locked) while the server serves.

The index database is made first by the real `Workspace`, as an earlier session would have
left it; the loopback model server (tests/modelserver.py) stands in for the model service.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from context.settings import IndexSettings
from context.workspace import Workspace
from tests.lsp.conftest import initialize, items_of
from tests.modelserver import ModelServer

SOURCE = "from shop.prices import total\n\n\ndef checkout(items):\n    return \n"
PRICES = "def total(items: list[int]) -> int:\n    return sum(items)\n"
ANSWER = "total(items)"


@pytest.fixture
def repository(tmp_path: Path) -> Iterator[tuple[Path, Path, Path]]:
    """A small repository, its index directory, and the index database a session left."""
    root = tmp_path / "repo"
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "__init__.py").write_text("", encoding="utf-8")
    (root / "shop" / "prices.py").write_text(PRICES, encoding="utf-8")
    (root / "shop" / "checkout.py").write_text(SOURCE, encoding="utf-8")
    index_dir = tmp_path / "index"
    workspace = Workspace(root.resolve(), IndexSettings(directory=str(index_dir)))
    workspace.refresh()
    workspace.close()
    [database] = [p for p in index_dir.iterdir() if p.suffix == ".sqlite3"]
    yield root, index_dir, database


async def complete_checkout(
    client: LanguageClient, model_server: ModelServer, root: Path, index_dir: Path
) -> list[types.InlineCompletionItem]:
    settings = {
        "model": {"backend": "openai", "url": f"{model_server.url}/v1", "name": "scripted"},
        "completion": {"warmUp": False},
        "index": {"directory": str(index_dir)},
    }
    await initialize(client, settings, folders=[root])
    path = root / "shop" / "checkout.py"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(path.as_uri(), "python", 1, SOURCE)
        )
    )
    result = await asyncio.wait_for(
        client.text_document_inline_completion_async(
            types.InlineCompletionParams(
                text_document=types.TextDocumentIdentifier(path.as_uri()),
                position=types.Position(line=4, character=11),
                context=types.InlineCompletionContext(
                    trigger_kind=types.InlineCompletionTriggerKind.Invoked
                ),
            )
        ),
        10,
    )
    return items_of(result)


async def test_a_corrupt_index_is_rebuilt_while_completions_go_on(
    client: LanguageClient, model_server: ModelServer, repository: tuple[Path, Path, Path]
) -> None:
    root, index_dir, database = repository
    database.write_bytes(b"this is not a database " * 400)
    model_server.replies = [ANSWER + "\n"]

    items = await complete_checkout(client, model_server, root, index_dir)

    assert [item.insert_text for item in items] == [ANSWER]
    for _ in range(200):
        try:
            with sqlite3.connect(database) as db:
                paths = {row[0] for row in db.execute("SELECT path FROM files")}
            if "shop/prices.py" in paths:
                break
        except sqlite3.DatabaseError:
            pass
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the corrupt index was not rebuilt")


async def test_a_locked_index_does_not_stop_completions(
    client: LanguageClient, model_server: ModelServer, repository: tuple[Path, Path, Path]
) -> None:
    root, index_dir, database = repository
    model_server.replies = [ANSWER + "\n"]
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        items = await complete_checkout(client, model_server, root, index_dir)
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert [item.insert_text for item in items] == [ANSWER]
