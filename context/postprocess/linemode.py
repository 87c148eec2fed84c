"""Single-line or multi-line: what kind of suggestion fits the cursor's place in the code.

`decide_line_mode(document, offset, setting, max_tokens)` reads the syntax tree at the
cursor and returns a `LineMode`: whether to ask for several lines, why, the token cap to
pass to the backend and the extra stop strings (a line break for a single line), so the
model server itself stops early.

The decision, in order (`CompletionSettings.multiline` "always"/"never" overrides the
number of lines, but not `is_before_text`):

- inside a comment or a string: one line (`in-comment`, `in-string`);
- just after a block opener (`:` or `{` ending the text before the cursor), or between
  an opener and its closer (`{|}`): several lines (`block-opened`);
- the cursor at column 0 or in the indentation of a line that holds code (the user put it
  there to insert above that line): several whole lines that end with a line break
  (`before-text`);
- code after the cursor on its line, or code before it (the middle of an expression, a
  call, an assignment): one line (`text-after-cursor`, `mid-line`);
- an empty line inside brackets (an argument list, a list literal): one line
  (`in-expression`);
- an empty line elsewhere (a body, the top level): several lines (`empty-line`).

`LineMode.is_before_text` is set wherever the cursor stands in the leading whitespace of a
line that holds code, outside comments and strings: whatever the number of lines, the
suggestion is then whole lines inserted above that code, and post-processing
(`context.postprocess.finish`) ends it with a line break and the cursor line's indentation,
so the code after the cursor stays on its own line, where it was.

Works without a grammar (an unknown language) from the text alone; never raises.
"""

from __future__ import annotations

from dataclasses import dataclass

import tree_sitter as ts

from context.document import Document, offset_to_byte
from context.languages import Language, language_for_document
from context.settings import Multiline
from context.syntax import parse

SINGLE_LINE_MAX_TOKENS = 48
"""The token cap for a one-line suggestion: a long line of code, with room to spare."""

_COMMENT_TYPES = frozenset({"comment", "line_comment", "block_comment"})
_STRING_TYPES = frozenset(
    {
        "string",
        "string_literal",
        "template_string",
        "interpreted_string_literal",
        "raw_string_literal",
        "char_literal",
        "character_literal",
        "text_block",
    }
)
_EXPRESSION_BRACKETS = frozenset(
    {
        "argument_list",
        "arguments",
        "parameters",
        "formal_parameters",
        "parameter_list",
        "list",
        "tuple",
        "dictionary",
        "set",
        "array",
        "object",
        "parenthesized_expression",
        "list_comprehension",
        "dictionary_comprehension",
        "generator_expression",
        "array_initializer",
        "initializer_list",
        "composite_literal",
        "literal_value",
        "array_expression",
        "tuple_expression",
        "call_expression",
        "subscript",
        "type_arguments",
        "type_parameters",
    }
)
_OPENER_CLOSER = {"{": "}", "(": ")", "[": "]"}


@dataclass(frozen=True)
class LineMode:
    """How much to ask the model for at one cursor position."""

    is_multiline: bool
    reason: str
    """Why: `setting`, `in-comment`, `in-string`, `block-opened`, `before-text`,
    `text-after-cursor`, `mid-line`, `in-expression` or `empty-line`."""
    max_tokens: int
    """The cap to pass to the backend."""
    stop: tuple[str, ...]
    """Extra stop strings for the backend (a line break for a single line)."""
    is_before_text: bool = False
    """Whether the suggestion is whole lines inserted above the code after the cursor."""


def decide_line_mode(
    document: Document,
    offset: int,
    setting: Multiline = "auto",
    max_tokens: int = 128,
    tree: ts.Tree | None = None,
) -> LineMode:
    """The line mode at `offset` (characters into `document.text`); see the module docstring.

    `tree` may be passed when the caller already has the document's syntax tree.
    """
    text = document.text
    offset = max(0, min(offset, len(text)))
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    before = text[line_start:offset]
    after = text[offset : len(text) if line_end == -1 else line_end]
    lang = language_for_document(document.path, document.language_id)
    inside = None
    if lang is not None:
        if tree is None:
            tree = parse(lang, text)
        inside = _literal_at(tree, offset_to_byte(text, offset))
    # In a comment or a string the line's text is prose that the suggestion may continue.
    is_before_text = inside is None and not before.strip() and bool(after.strip())
    if setting != "auto":
        return _mode(setting == "always", "setting", max_tokens, is_before_text)
    if inside is not None:
        return _mode(False, inside, max_tokens)
    stripped = before.rstrip()
    if stripped.endswith((":", "{")) and _is_only_closers(after, stripped[-1]):
        return _mode(True, "block-opened", max_tokens)
    if is_before_text:
        return _mode(True, "before-text", max_tokens, is_before_text)
    if after.strip():
        return _mode(False, "text-after-cursor", max_tokens)
    if before.strip():
        return _mode(False, "mid-line", max_tokens)
    if lang is not None and tree is not None and _is_in_brackets(tree, text, offset, lang):
        return _mode(False, "in-expression", max_tokens)
    return _mode(True, "empty-line", max_tokens)


def _mode(
    is_multiline: bool, reason: str, max_tokens: int, is_before_text: bool = False
) -> LineMode:
    if is_multiline:
        return LineMode(True, reason, max_tokens, (), is_before_text)
    return LineMode(False, reason, min(max_tokens, SINGLE_LINE_MAX_TOKENS), ("\n",), is_before_text)


def _is_only_closers(after: str, opener: str) -> bool:
    """Whether the rest of the line is empty or the closer of the opener before the cursor."""
    rest = after.strip()
    return not rest or rest[:1] == _OPENER_CLOSER.get(opener)


def _literal_at(tree: ts.Tree, offset_bytes: int) -> str | None:
    """`in-comment` or `in-string` when the cursor lies inside one, else None."""
    low = max(0, offset_bytes - 1)
    node: ts.Node | None = tree.root_node.descendant_for_byte_range(low, offset_bytes)
    while node is not None:
        if node.type in _COMMENT_TYPES:
            is_line_comment = not (node.text or b"").startswith(b"/*")
            ends_after = node.end_byte > offset_bytes or (
                is_line_comment and node.end_byte == offset_bytes
            )
            if node.start_byte < offset_bytes and ends_after:
                return "in-comment"
        if node.type in _STRING_TYPES and node.start_byte < offset_bytes < node.end_byte:
            return "in-string"
        node = node.parent
    return None


def _is_in_brackets(tree: ts.Tree, text: str, offset: int, lang: Language) -> bool:
    """Whether the innermost node around an empty line is a bracketed expression."""
    offset_bytes = offset_to_byte(text, offset)
    node: ts.Node | None = tree.root_node.descendant_for_byte_range(offset_bytes, offset_bytes)
    while node is not None:
        if node.start_byte < offset_bytes < node.end_byte:
            if node.type in lang.body_types or node.type in lang.function_types:
                return False
            if node.type in _EXPRESSION_BRACKETS:
                return True
        node = node.parent
    return False
