"""`textDocument/codeAction`, `codeAction/resolve` and the command `fillin.generate`:
"Generate code from comment".

The action (kind `refactor.rewrite`) is offered only where `context.from_comment.target.find_target`
finds a target: a comment or docstring that describes code not yet written, or a function
whose body is empty or only docs and placeholders. Offering it costs a parse, never a model
call: the edit is computed when the client resolves the action, by the same completion
pipeline as inline suggestions with a generation's budget, validated the same way, at the
indentation of the place it goes. A client that cannot resolve gets the action with the
command instead.

`fillin.generate` takes one argument, `{"uri", "range", "version"?}` (the action's `data`
has the same shape), computes the same edit and applies it with `workspace/applyEdit`; it
returns `{"applied": bool}`.

Generating reports work-done progress when the client supports it, and stops (closing the
model stream) on `$/cancelRequest` or when the user cancels the progress. The edit changes
nothing but the target's range, and is pinned to the document version it was made for. A
document that changed since the action was offered fails with ContentModified; nothing to
insert is reported with a message and gives an action without an edit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import attrs
from lsprotocol import types
from pygls.exceptions import JsonRpcContentModified, JsonRpcInvalidParams
from pygls.protocol import default_converter

from context.document import Document
from context.errors import PositionError
from context.from_comment.draft import draft_code
from context.from_comment.target import CodeTarget, find_target
from context.languages import language_for_document
from lsp_server.convert import from_lsp_position, lsp_range
from lsp_server.results import report_result
from lsp_server.server import FillinServer
from lsp_server.snapshot import snapshot

logger = logging.getLogger(__name__)

KIND = types.CodeActionKind.RefactorRewrite
GENERATE_COMMAND = "fillin.generate"

# lsprotocol's converter: camelCase JSON for attrs classes, LSP types inside them.
_CONVERTER = default_converter()  # type: ignore[no-untyped-call]


@attrs.define
class GenerateArguments:
    """Where to generate: the argument of `fillin.generate` and the code action's `data`."""

    uri: str
    range: types.Range
    version: int | None = None


def register(server: FillinServer) -> None:
    """Register the code action, its resolver and the `fillin.generate` command."""
    options = types.CodeActionOptions(code_action_kinds=[KIND], resolve_provider=True)
    server.feature(types.TEXT_DOCUMENT_CODE_ACTION, options)(code_action)
    server.feature(types.CODE_ACTION_RESOLVE)(resolve_code_action)
    server.command(GENERATE_COMMAND)(generate_command)


async def code_action(
    ls: FillinServer, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
    """Offer "Generate code from comment" where a target is; the edit comes on resolve."""
    only = params.context.only
    if only and not any(KIND.value.startswith(_kind_name(kind)) for kind in only):
        return None
    args = GenerateArguments(params.text_document.uri, params.range)
    document = snapshot(ls.state, args.uri)
    args.version = document.version
    target = await _target(ls, document, args.range)
    logger.debug("code actions at %s:%s: %s", args.uri, _describe(args.range), target)
    if target is None:
        return None
    action = types.CodeAction(title=target.title, kind=KIND, data=_CONVERTER.unstructure(args))
    if not _can_resolve_edits(ls):
        action.command = types.Command(
            title=target.title, command=GENERATE_COMMAND, arguments=[action.data]
        )
    return [action]


async def resolve_code_action(ls: FillinServer, action: types.CodeAction) -> types.CodeAction:
    """Compute the action's edit: generate the code and place it."""
    args = _arguments(action.data)
    edit = await _generate_edit(ls, args)
    if edit is not None:
        action.edit = edit
    return action


async def generate_command(ls: FillinServer, args: GenerateArguments) -> dict[str, Any]:
    """`fillin.generate`: generate the code and apply it with `workspace/applyEdit`."""
    edit = await _generate_edit(ls, args)
    if edit is None:
        return {"applied": False}
    result = await ls.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit=edit, label="fillin: generate code")
    )
    if not result.applied:
        logger.info("the client did not apply the generated code: %s", result.failure_reason)
    return {"applied": result.applied}


async def _generate_edit(ls: FillinServer, args: GenerateArguments) -> types.WorkspaceEdit | None:
    """The edit that inserts the generated code, or None (with a message) when there is none."""
    document = snapshot(ls.state, args.uri)
    if args.version is not None and document.version not in (None, args.version):
        raise JsonRpcContentModified(
            f"{args.uri} changed since the action was offered; ask for code actions again"
        )
    target = await _target(ls, document, args.range)
    if target is None:
        raise JsonRpcInvalidParams(f"{args.uri}: nothing to generate at {_describe(args.range)}")
    engine = ls.state.engine_for(document)
    async with _progress(ls, target.title):
        draft = await draft_code(engine, document, target)
    report_result(ls, draft.request, draft.result, "generate")
    if draft.replacement is None:
        message = f"fillin: {target.title.lower()}: {draft.reason}"
        ls.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Warning, message=message)
        )
        return None
    return _workspace_edit(ls, document, target, draft.replacement)


async def _target(ls: FillinServer, document: Document, where: types.Range) -> CodeTarget | None:
    lang = language_for_document(document.path, document.language_id)
    if lang is None:
        return None
    try:
        start = from_lsp_position(document, where.start, ls.state.encoding)
        end = from_lsp_position(document, where.end, ls.state.encoding)
    except PositionError as exc:
        raise JsonRpcInvalidParams(f"{document.uri}: {exc}") from exc
    return await asyncio.to_thread(find_target, document, lang, start, end)


def _workspace_edit(
    ls: FillinServer, document: Document, target: CodeTarget, replacement: str
) -> types.WorkspaceEdit:
    """One text edit of the target's range, versioned when the client allows it."""
    edit = types.TextEdit(
        range=lsp_range(document, target.start_offset, target.end_offset, ls.state.encoding),
        new_text=replacement,
    )
    capabilities = ls.client_capabilities.workspace
    workspace_edit = capabilities.workspace_edit if capabilities else None
    if workspace_edit is not None and workspace_edit.document_changes:
        identifier = types.OptionalVersionedTextDocumentIdentifier(
            uri=document.uri, version=document.version
        )
        return types.WorkspaceEdit(
            document_changes=[types.TextDocumentEdit(text_document=identifier, edits=[edit])]
        )
    return types.WorkspaceEdit(changes={document.uri: [edit]})


@contextlib.asynccontextmanager
async def _progress(ls: FillinServer, title: str) -> AsyncIterator[None]:
    """Report work-done progress around a generation; the user's cancel cancels the task."""
    window = ls.client_capabilities.window
    if window is None or not window.work_done_progress:
        yield
        return
    token = f"fillin-generate-{uuid.uuid4().hex}"
    progress = ls.work_done_progress
    try:
        await progress.create_async(token)
    except Exception as exc:  # A client may refuse a progress; generating goes on without it.
        logger.debug("no progress for the generation: %s", exc)
        yield
        return
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()

    def on_cancel(future: object) -> None:
        if task is not None and getattr(future, "cancelled", lambda: False)():
            loop.call_soon_threadsafe(task.cancel)

    progress.tokens[token].add_done_callback(on_cancel)
    progress.begin(
        token,
        types.WorkDoneProgressBegin(title=title, cancellable=True, message="asking the model"),
    )
    try:
        yield
    finally:
        progress.end(token, types.WorkDoneProgressEnd())
        progress.tokens.pop(token, None)


def _can_resolve_edits(ls: FillinServer) -> bool:
    text_document = ls.client_capabilities.text_document
    code_action = text_document.code_action if text_document else None
    support = code_action.resolve_support if code_action else None
    return support is not None and "edit" in support.properties


def _arguments(data: Any) -> GenerateArguments:
    try:
        args: GenerateArguments = _CONVERTER.structure(data, GenerateArguments)
    except Exception as exc:
        raise JsonRpcInvalidParams(
            f"codeAction/resolve: data is not a fillin generate action ({exc})"
        ) from exc
    return args


def _kind_name(kind: types.CodeActionKind | str) -> str:
    return kind.value if isinstance(kind, types.CodeActionKind) else kind


def _describe(where: types.Range) -> str:
    return f"{where.start.line + 1}:{where.start.character + 1}"
