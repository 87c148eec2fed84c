""" "Generate code from comment" end to end: a real `fillin serve` over stdio, driven by
pytest-lsp, generating through the loopback model server (tests/modelserver.py), which stands
in for an external model service so that the generated text and the prompt are exact.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.lsp.conftest import Opened, model_settings, open_fixture
from tests.modelserver import ModelServer

GENERATE = Path(__file__).resolve().parents[1] / "fixtures" / "generate" / "shop"
REPORT = str(GENERATE / "report.py")
ORDERS = str(GENERATE / "orders.py")
CART = str(GENERATE / "cart.js")
REFACTOR_REWRITE = types.CodeActionKind.RefactorRewrite

REPORT_CODE = 'for order in orders:\n        lines.append(f"{order.id}: {order.total:.2f}")'


async def initialize(client: LanguageClient, settings: dict[str, Any]) -> types.InitializeResult:
    """Initialize like VS Code does for code actions: lazy edits, versioned, with progress."""
    capabilities = types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            code_action=types.CodeActionClientCapabilities(
                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                    code_action_kind=types.ClientCodeActionKindOptions(
                        value_set=[types.CodeActionKind.RefactorRewrite]
                    )
                ),
                resolve_support=types.ClientCodeActionResolveOptions(properties=["edit"]),
                data_support=True,
            )
        ),
        window=types.WindowClientCapabilities(work_done_progress=True),
        workspace=types.WorkspaceClientCapabilities(
            apply_edit=True,
            workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True),
        ),
    )
    return await client.initialize_session(
        types.InitializeParams(capabilities=capabilities, initialization_options=settings)
    )


def at(opened: Opened, needle: str, *, column: int = 0) -> types.Range:
    """A cursor on the line of `opened` that contains `needle`."""
    line = next(i for i, text in enumerate(opened.text.split("\n")) if needle in text)
    position = types.Position(line=line, character=column)
    return types.Range(start=position, end=position)


def cursor(opened: Opened) -> types.Range:
    return types.Range(start=opened.position, end=opened.position)


async def code_actions(
    client: LanguageClient, opened: Opened, where: types.Range, only: list[Any] | None = None
) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=opened.uri),
            range=where,
            context=types.CodeActionContext(diagnostics=[], only=only),
        )
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


def edits_of(action: types.CodeAction) -> list[types.TextEdit]:
    """The text edits of a resolved action, whatever shape its workspace edit has."""
    assert action.edit is not None
    if action.edit.document_changes:
        return [
            edit
            for change in action.edit.document_changes
            if isinstance(change, types.TextDocumentEdit)
            for edit in change.edits
            if isinstance(edit, types.TextEdit)
        ]
    return [edit for edits in (action.edit.changes or {}).values() for edit in edits]


def _json_range(where: types.Range) -> dict[str, Any]:
    return {
        "start": {"line": where.start.line, "character": where.start.character},
        "end": {"line": where.end.line, "character": where.end.character},
    }


async def offer(
    client: LanguageClient,
    model_server: ModelServer,
    path: str,
    reply: str,
    *,
    language_id: str = "python",
    **model: Any,
) -> tuple[Opened, types.CodeAction]:
    """Script the model's reply, open `path` and get the one action offered at its `$0`."""
    model_server.replies = [reply]
    await initialize(client, model_settings(model_server, template="codellama", **model))
    opened = open_fixture(client, path, language_id=language_id)
    (action,) = await code_actions(client, opened, cursor(opened))
    return opened, action


def apply(text: str, edit: types.TextEdit) -> str:
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[: edit.range.start.line])
    start += edit.range.start.character
    end = sum(len(line) + 1 for line in lines[: edit.range.end.line]) + edit.range.end.character
    return text[:start] + edit.new_text + text[end:]


async def test_action_is_offered_on_a_comment_and_resolves_to_indented_code(
    client: LanguageClient, model_server: ModelServer
) -> None:
    opened, action = await offer(client, model_server, REPORT, REPORT_CODE + "\n")
    assert action.kind == REFACTOR_REWRITE
    assert action.title == "Generate code from comment"
    assert action.edit is None
    assert model_server.completion_requests == []

    resolved = await client.code_action_resolve_async(action)

    (edit,) = edits_of(resolved)
    comment_end = types.Position(
        line=opened.position.line, character=len(opened.text.split("\n")[opened.position.line])
    )
    assert edit.range == types.Range(start=comment_end, end=comment_end)
    assert edit.new_text == "\n    " + REPORT_CODE
    result = apply(opened.text, edit)
    assert (
        "    # add one line per order with its id and total\n    for order in orders:\n" in result
    )
    assert result.endswith(
        '\n\n    return "\\n".join(lines)\n\n\ndef count(orders: list[Order])'
        " -> int:\n    return len(orders)\n"
    )


async def test_fim_prompt_has_the_comment_before_the_cursor_and_a_larger_budget(
    client: LanguageClient, model_server: ModelServer
) -> None:
    _, action = await offer(client, model_server, REPORT, REPORT_CODE + "\n", maxTokens=64)

    await client.code_action_resolve_async(action)

    (request,) = model_server.completion_requests
    prompt = request.body["prompt"]
    # The cursor line's head (its indentation) comes last, after the middle marker.
    assert "    # add one line per order with its id and total\n <SUF>\n" in prompt
    assert prompt.endswith(
        '\n\n\n    return "\\n".join(lines)\n\n\ndef count(orders: list[Order])'
        " -> int:\n    return len(orders)\n <MID>    "
    )
    assert request.body["max_tokens"] >= 512


async def test_empty_function_body_is_filled_after_its_docstring(
    client: LanguageClient, model_server: ModelServer
) -> None:
    opened, action = await offer(
        client, model_server, ORDERS, "return sum(order.total for order in orders)\n"
    )
    assert action.title == "Generate the body of grand_total"
    (edit,) = edits_of(await client.code_action_resolve_async(action))

    result = apply(opened.text, edit)
    assert (
        'def grand_total(orders: list[Order]) -> float:\n    """The sum of every order\'s total."""'
        "\n    return sum(order.total for order in orders)\n\n\ndef largest(" in result
    )
    assert "pass" not in result


async def test_javascript_comment_in_an_empty_method_gets_two_space_indentation(
    client: LanguageClient, model_server: ModelServer
) -> None:
    opened, action = await offer(
        client,
        model_server,
        CART,
        "return this.items.reduce((sum, item) => sum + item.price, 0);\n",
        language_id="javascript",
    )
    (edit,) = edits_of(await client.code_action_resolve_async(action))

    assert apply(opened.text, edit).endswith(
        "    // sum the price of every item\n"
        "    return this.items.reduce((sum, item) => sum + item.price, 0);\n  }\n}\n"
    )


# Places where the action must not be offered: (file, text on the line, column).
NOT_OFFERED = [
    (REPORT, 'lines = ["Orders:"]', 4),
    (REPORT, "return len(orders)", 8),
    (REPORT, '"""Plain-text reports of orders."""', 3),
    (REPORT, "from shop.orders import Order", 0),
    (REPORT, "def count(orders", 4),
    (ORDERS, "return max(orders", 4),
    (ORDERS, "class Order:", 0),
    (ORDERS, "id: str", 4),
]


async def test_action_is_not_offered_elsewhere(
    client: LanguageClient, model_server: ModelServer
) -> None:
    await initialize(client, model_settings(model_server))
    opened = {path: open_fixture(client, path) for path in (REPORT, ORDERS)}

    offered = {
        (Path(path).name, needle): [a.title for a in actions]
        for path, needle, column in NOT_OFFERED
        if (
            actions := await code_actions(
                client, opened[path], at(opened[path], needle, column=column)
            )
        )
    }

    assert offered == {}
    assert model_server.completion_requests == []


async def test_only_filter_hides_the_action_from_other_kinds(
    client: LanguageClient, model_server: ModelServer
) -> None:
    await initialize(client, model_settings(model_server))
    opened = open_fixture(client, REPORT)

    assert await code_actions(client, opened, cursor(opened), [types.CodeActionKind.QuickFix]) == []
    offered = await code_actions(client, opened, cursor(opened), [types.CodeActionKind.Refactor])
    assert [a.kind for a in offered] == [REFACTOR_REWRITE]


async def test_generation_reports_progress(
    client: LanguageClient, model_server: ModelServer
) -> None:
    _, action = await offer(client, model_server, REPORT, REPORT_CODE + "\n")

    await client.code_action_resolve_async(action)

    (reports,) = client.progress_reports.values()
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    assert reports[0].cancellable is True
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)


async def test_cancelling_the_progress_stops_the_model_stream(
    client: LanguageClient, model_server: ModelServer
) -> None:
    model_server.piece_delay_s = 0.02
    _, action = await offer(client, model_server, REPORT, "x = 1\n    " * 400)

    pending = asyncio.ensure_future(client.code_action_resolve_async(action))
    assert await model_server.await_for(lambda s: len(s.completion_requests) == 1)
    (token,) = client.progress_reports
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))

    with pytest.raises(JsonRpcException, match="cancel"):
        await pending
    assert await model_server.await_for(lambda s: s.completion_requests[0].disconnected)


async def test_cancel_request_stops_the_model_stream(
    client: LanguageClient, model_server: ModelServer
) -> None:
    model_server.piece_delay_s = 0.02
    _, action = await offer(client, model_server, REPORT, "x = 1\n    " * 400)

    pending = asyncio.ensure_future(
        client.protocol.send_request_async(
            types.CODE_ACTION_RESOLVE, action, msg_id="resolve-to-cancel"
        )
    )
    assert await model_server.await_for(lambda s: len(s.completion_requests) == 1)
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="resolve-to-cancel"))

    with pytest.raises(JsonRpcException, match="cancel"):
        await pending
    assert await model_server.await_for(lambda s: s.completion_requests[0].disconnected)


async def test_generate_command_applies_the_edit_through_the_client(
    client: LanguageClient, model_server: ModelServer
) -> None:
    model_server.replies = [REPORT_CODE + "\n"]
    applied: list[types.WorkspaceEdit] = []

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        applied.append(params.edit)
        return types.ApplyWorkspaceEditResult(applied=True)

    result = await initialize(client, model_settings(model_server, template="codellama"))
    assert result.capabilities.execute_command_provider is not None
    assert "fillin.generate" in result.capabilities.execute_command_provider.commands
    opened = open_fixture(client, REPORT)

    answer = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="fillin.generate",
            arguments=[
                {"uri": opened.uri, "range": client.protocol._converter.unstructure(cursor(opened))}
            ],
        )
    )

    assert answer == {"applied": True}
    (edit,) = applied
    changes = edit.document_changes or []
    text_edits: list[types.TextEdit | types.AnnotatedTextEdit] = []
    for change in changes:
        if isinstance(change, types.TextDocumentEdit):
            for e in change.edits:
                assert not isinstance(e, types.SnippetTextEdit)
                text_edits.append(e)
    if not changes:
        text_edits = list((edit.changes or {})[opened.uri])
    assert [e.new_text for e in text_edits] == ["\n    " + REPORT_CODE]


async def test_nothing_generated_gives_a_message_and_no_edit(
    client: LanguageClient, model_server: ModelServer
) -> None:
    _, action = await offer(client, model_server, REPORT, "\n")

    resolved = await client.code_action_resolve_async(action)

    assert resolved.edit is None
    assert any("generate code from comment" in m.message for m in client.messages)


async def test_a_changed_document_is_not_edited(
    client: LanguageClient, model_server: ModelServer
) -> None:
    opened, action = await offer(client, model_server, REPORT, REPORT_CODE + "\n")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=opened.uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="x = 1\n")],
        )
    )

    with pytest.raises(JsonRpcException, match="changed since"):
        await client.code_action_resolve_async(action)
    assert model_server.completion_requests == []


async def test_generated_code_is_validated_like_inline_suggestions(
    client: LanguageClient, model_server: ModelServer
) -> None:
    broken = "for order in orders\n        lines.append(order.id)\n"
    _, action = await offer(client, model_server, REPORT, broken)

    resolved = await client.code_action_resolve_async(action)

    assert resolved.edit is None
    (message,) = [m.message for m in client.messages if "generate code" in m.message]
    assert "syntax" in message


async def test_chat_backend_gets_the_instruction_and_fenced_code_is_unwrapped(
    client: LanguageClient, model_server: ModelServer
) -> None:
    fenced = "```python\nfor order in orders:\n        lines.append(order.id)\n```\n"
    model_server.replies = [fenced]
    settings = model_settings(model_server)
    settings["model"]["backend"] = "openai-chat"
    await initialize(client, settings)
    opened = open_fixture(client, REPORT)
    (action,) = await code_actions(client, opened, cursor(opened))

    (edit,) = edits_of(await client.code_action_resolve_async(action))

    (request,) = model_server.completion_requests
    assert request.path == "/v1/chat/completions"
    user = request.body["messages"][-1]["content"]
    assert "add one line per order with its id and total" in user.split("does this:")[-1]
    assert edit.new_text == "\n    for order in orders:\n        lines.append(order.id)"
