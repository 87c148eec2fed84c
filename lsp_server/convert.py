"""Conversions between the engine's values and LSP's: documents, positions, ranges, changes.

Every `lsp_*` function turns an engine value into an lsprotocol one; every `from_lsp_*` does
the reverse. Positions are converted with the position encoding negotiated at initialization
(`utf-16` unless the client offered another), through `context.document`, so offsets in the
engine always count characters. A position outside its document raises
`context.errors.PositionError`, which handlers turn into an error response.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lsprotocol import types
from pygls.uris import to_fs_path

from context.document import Document, Encoding, TextChange
from context.errors import PositionError
from context.pipeline import CompletionResult

ACCEPT_COMMAND = "fillin.didAccept"
"""The command each returned suggestion carries with `[{"id": ...}]`; editor plugins run it
when the user accepts the suggestion and report `fillin/didAcceptCompletion`."""

_ENCODINGS: dict[str, Encoding] = {"utf-8": "utf-8", "utf-16": "utf-16", "utf-32": "utf-32"}


def from_lsp_encoding(kind: str | None) -> Encoding:
    """The engine's name for a negotiated `PositionEncodingKind` (utf-16 when unknown)."""
    return _ENCODINGS.get(str(kind or "utf-16"), "utf-16")


def uri_to_path(uri: str) -> Path | None:
    """The file system path of a `file:` URI, or None for other schemes."""
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    return Path(path) if path else None


def from_lsp_document(item: types.TextDocumentItem) -> Document:
    """A snapshot of a document the client just opened."""
    return Document(
        uri=item.uri,
        text=item.text,
        language_id=item.language_id,
        version=item.version,
        path=uri_to_path(item.uri),
    )


def from_lsp_position(document: Document, position: types.Position, encoding: Encoding) -> int:
    """The character offset of an LSP position; raises `PositionError` outside the text."""
    return document.offset_at(position.line, position.character, encoding)


def lsp_position(document: Document, offset: int, encoding: Encoding) -> types.Position:
    """The LSP position of a character offset."""
    line_idx, character = document.position_at(offset, encoding)
    return types.Position(line=line_idx, character=character)


def lsp_range(document: Document, start: int, end: int, encoding: Encoding) -> types.Range:
    """The LSP range between two character offsets."""
    return types.Range(
        start=lsp_position(document, start, encoding), end=lsp_position(document, end, encoding)
    )


def from_lsp_changes(
    document: Document,
    changes: Sequence[types.TextDocumentContentChangeEvent],
    encoding: Encoding,
) -> tuple[str, list[TextChange]]:
    """Apply a `didChange` notification's changes in order; returns the new text and edits.

    Each change's range is read against the text left by the changes before it, as LSP
    specifies. A whole-document change becomes one edit that replaces everything.
    """
    text = document.text
    edits: list[TextChange] = []
    current = document
    for change in changes:
        if isinstance(change, types.TextDocumentContentChangePartial):
            start = _clamped_offset(current, change.range.start, encoding)
            end = _clamped_offset(current, change.range.end, encoding)
            edit = TextChange(min(start, end), max(start, end), change.text)
        else:
            edit = TextChange(0, len(text), change.text)
        text = edit.apply(text)
        edits.append(edit)
        current = current.with_text(text)
    return text, edits


def _clamped_offset(document: Document, position: types.Position, encoding: Encoding) -> int:
    """The offset of a change's bound; a line past the end means the end of the text.

    Editors send ranges ending on the line after the last one to replace the whole text;
    accepting them keeps the server's copy in sync instead of dropping the edit.
    """
    try:
        return document.offset_at(position.line, position.character, encoding)
    except PositionError:
        if position.line >= document.n_lines:
            return len(document.text)
        raise


def lsp_inline_completion_list(
    result: CompletionResult, document: Document, encoding: Encoding
) -> types.InlineCompletionList:
    """The pipeline's suggestions as inline completion items, best first."""
    return types.InlineCompletionList(
        items=[
            types.InlineCompletionItem(
                insert_text=s.text,
                range=lsp_range(document, s.start_offset, s.end_offset, encoding),
                command=lsp_accept_command(s.id),
            )
            for s in result.suggestions
        ]
    )


def lsp_accept_command(suggestion_id: str) -> types.Command:
    """The command through which the editor reports that it accepted a suggestion."""
    return types.Command(
        title="fillin: suggestion accepted",
        command=ACCEPT_COMMAND,
        arguments=[{"id": suggestion_id}],
    )
