"""Syntax errors that a suggestion adds to a document: ERROR and MISSING nodes, and more.

Errors the document already had do not count against the suggestion: every error node of
the spliced tree is mapped back to where it would sit in the document without the
suggestion (before it: unchanged; after it: shifted back by its length) and compared with
the errors of the original tree. What remains is new, and is reported at its place in the
suggestion (at the suggestion's end when it lies further down).

Both validation's `syntax` check and post-processing's `truncate_to_parse` ask this module,
so a suggestion that post-processing keeps is one that validation accepts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import tree_sitter as ts

from context.languages import grammar, language_named
from context.splice import Splice

_MAX_ERRORS = 3


@dataclass(frozen=True)
class SyntaxErrorSpan:
    """One syntax error the suggestion adds; offsets count characters into the suggestion."""

    message: str
    start_offset: int
    end_offset: int


def new_syntax_errors(splice: Splice) -> list[SyntaxErrorSpan]:
    """The syntax errors that the suggestion introduces (at most a few)."""
    errors = _empty_python_blocks(splice)
    if errors or not splice.tree.root_node.has_error:
        return errors
    before = {(kind, start) for kind, start, _ in _errors(splice.original.tree.root_node)}
    length = splice.end_byte - splice.start_byte
    for kind, start, node in _errors(splice.tree.root_node):
        is_inside = splice.start_byte <= start < splice.end_byte
        if not is_inside:
            mapped = start if start < splice.start_byte else start - length
            if (kind, mapped) in before:
                continue
        errors.append(_error(splice, kind, node))
        if len(errors) >= _MAX_ERRORS:
            break
    return errors


def _empty_python_blocks(splice: Splice) -> list[SyntaxErrorSpan]:
    """Python blocks without a statement, opened in the suggestion.

    tree-sitter's Python grammar accepts `if x:` followed by a line at the same depth as an
    empty block; Python does not.
    """
    if splice.lang.name != "python" or ":" not in splice.suggestion:
        return []
    cursor = ts.QueryCursor(_python_block_query())
    cursor.set_byte_range(splice.start_byte, splice.end_byte)
    errors: list[SyntaxErrorSpan] = []
    for block in cursor.captures(splice.tree.root_node).get("block", []):
        owner = block.parent
        if owner is None or not splice.is_in_suggestion(owner):
            continue
        if any(child.type != "comment" for child in block.named_children):
            continue
        at = splice.suggestion_offset(block.start_byte)
        errors.append(SyntaxErrorSpan("syntax error: a block without a body", at, at))
    return errors


@cache
def _python_block_query() -> ts.Query:
    lang = language_named("python")
    assert lang is not None
    return ts.Query(grammar(lang), "(block) @block")


def _errors(root: ts.Node) -> Iterator[tuple[str, int, ts.Node]]:
    """ERROR and MISSING nodes, outermost first, visiting only subtrees that hold errors."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_missing:
            yield "MISSING", node.start_byte, node
            continue
        if node.is_error:
            yield "ERROR", node.start_byte, node
        stack.extend(child for child in reversed(node.children) if child.has_error)


def _error(splice: Splice, kind: str, node: ts.Node) -> SyntaxErrorSpan:
    start = splice.suggestion_offset(node.start_byte)
    end = max(start, splice.suggestion_offset(node.end_byte))
    if kind == "MISSING":
        message = f"syntax error: missing `{node.type}`"
    else:
        snippet = splice.node_text(node).strip().splitlines()
        shown = snippet[0][:40] if snippet else ""
        message = f"syntax error: unexpected `{shown}`" if shown else "syntax error"
    return SyntaxErrorSpan(message, start, end)
