"""fillin's own requests and workspace folders, end to end through a real `fillin serve`:
`fillin/context`, `fillin/validate`, and background indexing with work-done progress.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.lsp.conftest import (
    FIXTURES,
    PROJECT,
    Opened,
    initialize,
    model_settings,
    open_fixture,
)
from tests.modelserver import ModelServer

CART = "project/src/shop/cart.py"
CHECKOUT = "project/src/shop/checkout.py"


def indexed_settings(server: ModelServer, index_dir: Path) -> dict[str, Any]:
    """Settings with the repository index on, kept in a temporary directory."""
    settings = model_settings(server, template="prefix-only")
    settings["context"] = {"repository": True, "retrievalTimeoutMs": 5000}
    settings["index"] = {"enabled": True, "directory": str(index_dir)}
    return settings


async def wait_for_index(client: LanguageClient, timeout_s: float = 30.0) -> list[Any]:
    """The progress reports of the first indexing run, once it has ended."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        for reports in client.progress_reports.values():
            if reports and isinstance(reports[-1], types.WorkDoneProgressEnd):
                return reports
        await asyncio.sleep(0.05)
    raise AssertionError(f"indexing did not end within {timeout_s} s")


async def request(client: LanguageClient, method: str, params: dict[str, Any]) -> Any:
    """Send one of fillin's own requests."""
    return await client.protocol.send_request_async(method, params)


def location(opened: Opened) -> dict[str, Any]:
    return {
        "textDocument": {"uri": opened.uri},
        "position": {"line": opened.position.line, "character": opened.position.character},
    }


async def context_at_fixture(
    client: LanguageClient,
    model_server: ModelServer,
    index_dir: Path,
    relative: str,
    language_id: str,
) -> Any:
    """`fillin/context` at the cursor of the fixture `relative` (`folder/path` under
    tests/fixtures/lsp), the folder opened as the workspace and indexed first."""
    await initialize(
        client,
        indexed_settings(model_server, index_dir),
        folders=[FIXTURES / relative.split("/", 1)[0]],
    )
    await wait_for_index(client)
    opened = open_fixture(client, relative, language_id=language_id)
    return await request(client, "fillin/context", location(opened))


async def test_indexing_reports_progress_and_context_holds_cross_file_definitions(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    await initialize(client, indexed_settings(model_server, tmp_path), folders=[PROJECT])
    reports = await wait_for_index(client)
    opened = open_fixture(client, CHECKOUT)

    result = await request(client, "fillin/context", location(opened))

    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    assert "files" in (reports[-1].message or "")
    sources = {(s.source, s.path) for s in result.sections}
    assert ("prefix", "src/shop/checkout.py") in sources
    assert ("definition", "src/shop/cart.py") in sources
    assert "def cart_total(items: list[Item]) -> float:" in result.prompt
    assert 0 < result.tokensUsed <= result.budgetTokens == 2048
    assert result.elapsedMs >= 0


async def test_context_without_a_workspace_is_the_file_around_the_cursor(
    client: LanguageClient, model_server: ModelServer
) -> None:
    await initialize(client, model_settings(model_server, template="prefix-only"))
    opened = open_fixture(client, CART)

    result = await request(client, "fillin/context", location(opened))

    assert [s.source for s in result.sections] == ["prefix", "suffix"]
    prefix = result.sections[0]
    assert prefix.text.endswith('"""The price of every item times its quantity."""\n    ')
    assert prefix.endLine == opened.position.line + 1
    assert result.prompt.endswith(prefix.text)


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("return sum(item.price for item in items)", []),
        ("return sum(item.price for item in items", ["syntax"]),
    ],
)
async def test_validate_reports_problems_with_document_ranges(
    client: LanguageClient, model_server: ModelServer, text: str, kinds: list[str]
) -> None:
    await initialize(client, model_settings(model_server, template="prefix-only"))
    opened = open_fixture(client, CART)

    result = await request(client, "fillin/validate", {**location(opened), "text": text})

    assert result.ok == (not kinds)
    assert {p.kind for p in result.problems} == set(kinds)
    for problem in result.problems:
        assert problem.range.start.line == opened.position.line
        assert problem.message
    # The default policy rejects a syntax error and keeps a clean text as it is.
    if kinds:
        assert result.policy.text is None
        assert result.policy.actions == ["syntax: reject"]
        assert result.policy.reason.startswith("syntax: ")
    else:
        assert (result.policy.text, result.policy.actions, result.policy.reason) == (text, [], "")


async def test_custom_request_outside_the_document_is_a_clear_error(
    client: LanguageClient, model_server: ModelServer
) -> None:
    await initialize(client, model_settings(model_server, template="prefix-only"))
    opened = open_fixture(client, CART)
    params = location(opened)
    params["position"] = {"line": 999, "character": 0}

    with pytest.raises(JsonRpcException, match="line 999 is outside"):
        await request(client, "fillin/context", params)


async def test_workspace_settings_file_problems_are_named(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    (tmp_path / "fillin.toml").write_text(
        '[model]\nmaxTokkens = 5\n[completion]\nmultiline = "sometimes"\n', encoding="utf-8"
    )
    await initialize(
        client, model_settings(model_server, template="prefix-only"), folders=[tmp_path]
    )
    opened = open_fixture(client, CART)

    result = await request(client, "fillin/context", location(opened))

    messages = [m.message for m in client.messages]
    assert any("model.maxTokkens" in m and "model.maxTokens" in m for m in messages), messages
    assert any("completion.multiline" in m for m in messages), messages
    assert result.tokensUsed > 0
