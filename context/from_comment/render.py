"""What "generate code from comment" sends and inserts: the prompt document and the edit.

`prompt_document` gives the document the completion pipeline should see (the code's place
opened up, the cursor where the code starts), so fill-in-the-middle models see the comment
before the cursor and the rest of the file after it. `render` turns the pipeline's text into
the replacement: fences stripped, an echo of the comment or header dropped, every line at
the place's indentation.

Pure functions of a `CodeTarget` and text.
"""

from __future__ import annotations

import re

from context.document import Document
from context.from_comment.target import CodeTarget

_FENCE = re.compile(r"^[ \t]*```[^\n`]*\n(.*?)(?:\n[ \t]*```[ \t]*(?:\n|$)|\Z)", re.DOTALL | re.M)


def prompt_document(document: Document, target: CodeTarget) -> Document:
    """The document as the pipeline should see it: the code's place opened up.

    The cursor belongs at `target.cursor_offset`: after the comment (or the function's
    docstring) and the indentation, before the rest of the file.
    """
    text = document.text
    opened = (
        text[: target.start_offset]
        + target.lead
        + target.indent
        + target.trail
        + text[target.end_offset :]
    )
    return document.with_text(opened, document.version)


def render(target: CodeTarget, code: str) -> str | None:
    """The replacement text for the target's range, or None when there is no code.

    `code` is what the model wrote for the cursor of `prompt_document`: its first line
    starts at the indentation, and its further lines are indented for the file (a fill-in-the-
    middle model) or from column 0 (a chat model); both come out at the target's indentation.
    """
    code = strip_fences(code)
    lines = _drop_echo(code.split("\n"), target.echo)
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return None
    lines = _reindent(lines, target.indent)
    return target.lead + target.indent + "\n".join(lines) + target.trail


def strip_fences(text: str) -> str:
    """The code inside the first markdown code fence of `text`, or `text` without fences."""
    match = _FENCE.search(text)
    if match is None:
        return text
    return match.group(1)


def _drop_echo(lines: list[str], echo: tuple[str, ...]) -> list[str]:
    """Lines without a repeat of the comment or header that a chat model put before the code."""
    wanted = [e.strip() for e in echo if e.strip()]
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    for expected in wanted:
        if start < len(lines) and lines[start].strip() == expected:
            start += 1
    return lines[start:] if start else lines


def _reindent(lines: list[str], indent: str) -> list[str]:
    """Lines whose first starts at the cursor and whose others are at the file's indentation.

    Further lines already at or past `indent` are taken as the file's (what a
    fill-in-the-middle model writes); a block written from column 0 (what a chat model
    writes) is shifted right by `indent`.
    """
    first = lines[0]
    first_indent = first[: len(first) - len(first.lstrip())]
    rest = lines[1:]
    body = [line for line in rest if line.strip()]
    is_relative = bool(first_indent) or any(not line.startswith(indent) for line in body)
    if not is_relative and body and indent and first.rstrip().endswith((":", "{", "(", "[")):
        # A block opener followed by a line at exactly `indent` was written from column 0.
        is_relative = len(_leading(body[0])) <= len(indent)
    if not is_relative:
        return [first.lstrip(), *rest]
    shift = min([len(first_indent), *(len(_leading(line)) for line in body)])
    shifted = [first[shift:].lstrip() if first.strip() else ""]
    shifted.extend(indent + line[shift:] if line.strip() else "" for line in rest)
    return shifted


def _leading(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]
