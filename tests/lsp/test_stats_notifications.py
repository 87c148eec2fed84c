"""Acceptance statistics end to end: a real `fillin serve` records the suggestions it returns,
the editor's `fillin/did*Completion` notifications update them, and a real `fillin stats`
process reports them. The loopback model server (tests/modelserver.py) stands in for an
external model service. The database lives in a temporary `index.directory`.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import initialize, inline_completion, model_settings, open_fixture
from tests.modelserver import ModelServer

MENU = str(Path(__file__).resolve().parents[1] / "fixtures" / "generate" / "shop" / "menu.py")


def fillin_stats(database: Path) -> dict[str, Any]:
    """The report of a real `fillin stats --json` process ({} before the database exists)."""
    if not database.exists():
        return {}
    completed = subprocess.run(
        [sys.executable, "-m", "lsp_server", "stats", "--json", "--database", str(database)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    report: dict[str, Any] = json.loads(completed.stdout)
    return report


async def report_when(database: Path, is_ready: Any, timeout_s: float = 20.0) -> dict[str, Any]:
    """Poll `fillin stats` until the report satisfies `is_ready` (writes are asynchronous)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        report = await asyncio.to_thread(fillin_stats, database)
        if report and is_ready(report):
            return report
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"statistics never got there: {report}")
        await asyncio.sleep(0.2)


async def item_id(client: LanguageClient, uri: str, position: types.Position) -> str:
    """Ask for completion items and return the id that the item's command carries."""
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=position
        )
    )
    assert isinstance(result, types.CompletionList)
    (item,) = result.items
    assert item.command is not None and item.command.arguments
    argument = item.command.arguments[0]
    assert isinstance(argument, dict)
    suggestion_id: str = argument["id"]
    return suggestion_id


async def test_notifications_are_stored_and_reported_by_fillin_stats(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    model_server.replies = ["urn label\n"]
    settings = model_settings(model_server, template="codellama", name="scripted-coder")
    settings["index"] = {"enabled": False, "directory": str(tmp_path)}
    # Three distinct suggestions at one position: without the suggestion cache, which
    # would answer the second and third from the first.
    settings["completion"] = {"cache": False, "warmUp": False}
    await initialize(client, settings)
    opened = open_fixture(client, MENU)

    accepted = await item_id(client, opened.uri, opened.position)
    dismissed = await item_id(client, opened.uri, opened.position)
    await inline_completion(client, opened)
    client.protocol.notify("fillin/didShowCompletion", {"id": accepted})
    client.protocol.notify("fillin/didAcceptCompletion", {"id": accepted, "acceptedLength": 4})
    client.protocol.notify("fillin/didShowCompletion", {"id": dismissed})
    client.protocol.notify("fillin/didDismissCompletion", {"id": dismissed})
    client.protocol.notify("fillin/didShowCompletion", {"id": "not-a-suggestion-of-ours"})

    report = await report_when(tmp_path / "stats.sqlite", lambda r: r["overall"]["dismissed"] == 1)

    overall = report["overall"]
    assert overall["suggestions"] == 3
    assert (overall["shown"], overall["accepted"], overall["dismissed"]) == (2, 1, 1)
    assert overall["acceptanceRate"] == 0.5
    assert overall["acceptedChars"] == 4
    assert overall["outcomes"] == {"valid": 3}
    assert overall["totalMs"]["n"] == 3
    assert 0 < overall["totalMs"]["p50"] <= overall["totalMs"]["p95"]
    assert report["byModel"].keys() == {"scripted-coder"}
    assert report["byLanguage"].keys() == {"python"}
    assert {k: v["suggestions"] for k, v in report["byTrigger"].items()} == {
        "completion": 2,
        "invoked": 1,
    }
    assert report["byTrigger"]["completion"]["acceptedChars"] == 4


async def test_nothing_is_recorded_while_statistics_are_off(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    model_server.replies = ["urn label\n"]
    settings = model_settings(model_server, template="codellama")
    settings["index"] = {"enabled": False, "directory": str(tmp_path)}
    settings["stats"] = {"enabled": False}
    await initialize(client, settings)
    opened = open_fixture(client, MENU)

    unrecorded = await item_id(client, opened.uri, opened.position)
    client.protocol.notify("fillin/didAcceptCompletion", {"id": unrecorded})
    await inline_completion(client, opened)
    settings["stats"] = {"enabled": True}
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"fillin": settings})
    )
    await item_id(client, opened.uri, opened.position)

    # Writes run in order, so once the later suggestion is there, the earlier would be too.
    report = await report_when(tmp_path / "stats.sqlite", lambda r: r["overall"]["suggestions"])
    assert report["overall"]["suggestions"] == 1
    assert report["overall"]["accepted"] == 0
