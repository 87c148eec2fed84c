"""`textDocument/completion`: the suggestion as a completion item, for editors and plugins
without an inline-completion UI (nvim-cmp, blink.cmp, older editors).

The item replaces the identifier being typed (from its start to the cursor) with that
identifier followed by the suggestion, so clients that filter by the typed word keep it.
Its label is the first line, its documentation all of it in a code block; it sorts first
(`sortText`), is preselected only when the user asked for completion explicitly, and is
marked incomplete so that the client asks again as the user types rather than filtering a
suggestion made for another position. It carries the `fillin.didAccept` command with its id
(see `lsp_server.features.stats`).

The server advertises no trigger characters: clients ask on identifier characters or on
demand, and the inline path stays the only one that runs on every keystroke in editors that
have both. `completion.completionItems = false` answers with an empty list without asking
the model. Requests supersede each other per document, apart from inline completions.
"""

from __future__ import annotations

import re

from lsprotocol import types

from context.document import Document, Encoding
from context.pipeline import CompletionRequest, CompletionResult, Suggestion, complete
from lsp_server.convert import lsp_accept_command, lsp_range
from lsp_server.prepare import before_request
from lsp_server.results import report_result
from lsp_server.server import FillinServer
from lsp_server.snapshot import snapshot_at

MAX_LABEL_CHARS = 80
_WORD_BEFORE = re.compile(r"[\w$]+$")


def register(server: FillinServer) -> None:
    """Register the completion provider (no trigger characters, no resolve)."""
    server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions())(completion)


async def completion(ls: FillinServer, params: types.CompletionParams) -> types.CompletionList:
    """Offer the model's suggestion at the cursor as one completion item."""
    before_request(ls.state)
    document, offset = snapshot_at(ls.state, params.text_document, params.position)
    engine = ls.state.engine_for(document)
    if not engine.settings.completion.completion_items:
        return types.CompletionList(is_incomplete=False, items=[])
    is_invoked = (
        params.context is None or params.context.trigger_kind == types.CompletionTriggerKind.Invoked
    )
    request = CompletionRequest(document, offset, "invoked" if is_invoked else "automatic")
    with ls.state.superseding(f"{document.uri}#completion"):
        result = await complete(engine, request)
    report_result(ls, request, result, "completion")
    return lsp_completion_list(
        result,
        document,
        ls.state.encoding,
        is_preselected=is_invoked,
        is_markdown=_client_reads_markdown(ls),
    )


def lsp_completion_list(
    result: CompletionResult,
    document: Document,
    encoding: Encoding,
    *,
    is_preselected: bool,
    is_markdown: bool,
) -> types.CompletionList:
    """The pipeline's suggestions as completion items, best first."""
    items = [
        item
        for rank, suggestion in enumerate(result.suggestions)
        if (item := lsp_completion_item(suggestion, rank, document, encoding, is_markdown))
        is not None
    ]
    if items and is_preselected:
        items[0].preselect = True
    return types.CompletionList(is_incomplete=True, items=items)


def lsp_completion_item(
    suggestion: Suggestion, rank: int, document: Document, encoding: Encoding, is_markdown: bool
) -> types.CompletionItem | None:
    """One suggestion as an item, or None when its range cannot be a completion's.

    The documentation shows the whole text, in a markdown code block when the client reads
    markdown, as plain text otherwise.

    A completion edit must stay on the cursor's line; a suggestion that replaces text on
    later lines is left to the inline path.
    """
    start, end = suggestion.start_offset, suggestion.end_offset
    if "\n" in document.text[start:end]:
        return None
    line_start = document.line_starts[document.position_at(start, "utf-32")[0]]
    word = _WORD_BEFORE.search(document.text[line_start:start])
    word_start = start - len(word.group(0)) if word else start
    new_text = document.text[word_start:start] + suggestion.text
    first_line = new_text.split("\n", 1)[0]
    label = first_line.strip() or new_text.strip().split("\n", 1)[0]
    if len(label) > MAX_LABEL_CHARS:
        label = label[: MAX_LABEL_CHARS - 1] + "…"
    return types.CompletionItem(
        label=label,
        label_details=types.CompletionItemLabelDetails(description="fillin"),
        kind=types.CompletionItemKind.Snippet,
        detail="fillin suggestion"
        + (f" ({new_text.count(chr(10)) + 1} lines)" if "\n" in new_text else ""),
        documentation=types.MarkupContent(
            kind=types.MarkupKind.Markdown,
            value=_code_block(new_text, document.language_id),
        )
        if is_markdown
        else new_text,
        sort_text=f"0000{rank:04d}",
        filter_text=first_line.strip() or label,
        insert_text_format=types.InsertTextFormat.PlainText,
        text_edit=types.TextEdit(
            range=lsp_range(document, word_start, end, encoding), new_text=new_text
        ),
        command=lsp_accept_command(suggestion.id),
        data={"id": suggestion.id},
    )


def _client_reads_markdown(ls: FillinServer) -> bool:
    text_document = ls.client_capabilities.text_document
    completion = text_document.completion if text_document else None
    item = completion.completion_item if completion else None
    formats = item.documentation_format if item else None
    return bool(formats) and types.MarkupKind.Markdown in (formats or [])


def _code_block(text: str, language_id: str) -> str:
    """`text` in a markdown code fence longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language_id}\n{text}\n{fence}"
