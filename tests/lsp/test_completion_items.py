"""`textDocument/completion` end to end: a real `fillin serve` over stdio, driven by
pytest-lsp, completing through the loopback model server (tests/modelserver.py), which stands
in for an external model service so that the suggestion's text is exact.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import Opened, model_settings, open_fixture
from tests.modelserver import ModelServer

SHOP = Path(__file__).resolve().parents[1] / "fixtures" / "generate" / "shop"
MENU = str(SHOP / "menu.py")
PRICES = str(SHOP / "prices.py")


async def initialize(client: LanguageClient, settings: dict[str, Any]) -> types.InitializeResult:
    """Initialize like nvim-cmp's LSP source: completion items with markdown docs."""
    capabilities = types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            completion=types.CompletionClientCapabilities(
                completion_item=types.ClientCompletionItemOptions(
                    documentation_format=[types.MarkupKind.Markdown, types.MarkupKind.PlainText],
                    preselect_support=True,
                    label_details_support=True,
                ),
                context_support=True,
            )
        )
    )
    return await client.initialize_session(
        types.InitializeParams(capabilities=capabilities, initialization_options=settings)
    )


async def complete_items(
    client: LanguageClient,
    opened: Opened,
    trigger: types.CompletionTriggerKind = types.CompletionTriggerKind.Invoked,
) -> types.CompletionList:
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=opened.uri),
            position=opened.position,
            context=types.CompletionContext(trigger_kind=trigger),
        )
    )
    assert isinstance(result, types.CompletionList)
    return result


async def test_suggestion_is_an_item_that_completes_the_typed_word(
    client: LanguageClient, model_server: ModelServer
) -> None:
    model_server.replies = ["urn label\n"]
    await initialize(client, model_settings(model_server, template="codellama"))
    opened = open_fixture(client, MENU)

    result = await complete_items(client, opened)

    assert result.is_incomplete is True
    (item,) = result.items
    word_start = types.Position(line=opened.position.line, character=4)
    assert item.label == "return label"
    assert item.filter_text == "return label"
    assert item.text_edit == types.TextEdit(
        range=types.Range(start=word_start, end=opened.position), new_text="return label"
    )
    assert item.insert_text_format == types.InsertTextFormat.PlainText
    assert item.preselect is True
    assert item.sort_text is not None and item.sort_text.startswith("0")
    assert isinstance(item.documentation, types.MarkupContent)
    assert item.documentation.value == "```python\nreturn label\n```"
    assert item.command is not None and item.command.command == "fillin.didAccept"
    assert item.command.arguments is not None
    (argument,) = item.command.arguments
    assert isinstance(argument, dict)
    assert isinstance(argument["id"], str) and len(argument["id"]) >= 16


async def test_multi_line_suggestion_is_labelled_by_its_first_line(
    client: LanguageClient, model_server: ModelServer
) -> None:
    model_server.replies = ["best = min(orders, key=lambda o: o.total)\n    return best\n"]
    await initialize(client, model_settings(model_server, template="codellama"))
    opened = open_fixture(client, PRICES)

    (item,) = (await complete_items(client, opened)).items

    assert item.label == "best = min(orders, key=lambda o: o.total)"
    assert item.detail == "fillin suggestion (2 lines)"
    assert isinstance(item.documentation, types.MarkupContent)
    assert item.documentation.value == (
        "```python\nbest = min(orders, key=lambda o: o.total)\n    return best\n```"
    )
    assert item.text_edit == types.TextEdit(
        range=types.Range(start=opened.position, end=opened.position),
        new_text="best = min(orders, key=lambda o: o.total)\n    return best",
    )


async def test_automatic_completion_is_not_preselected(
    client: LanguageClient, model_server: ModelServer
) -> None:
    model_server.replies = ["urn label\n"]
    await initialize(client, model_settings(model_server, template="codellama"))
    opened = open_fixture(client, MENU)

    result = await complete_items(
        client, opened, types.CompletionTriggerKind.TriggerForIncompleteCompletions
    )

    assert [item.preselect for item in result.items] == [None]


async def test_setting_turns_completion_items_off(
    client: LanguageClient, model_server: ModelServer
) -> None:
    model_server.replies = ["urn label\n"]
    settings = model_settings(model_server, template="codellama")
    settings["completion"] = {"completionItems": False}
    result = await initialize(client, settings)
    assert result.capabilities.completion_provider is not None
    assert not result.capabilities.completion_provider.trigger_characters
    opened = open_fixture(client, MENU)

    assert list((await complete_items(client, opened)).items) == []
    assert model_server.completion_requests == []
