"""Where "generate code from comment" applies: the target finder.

`find_target(document, lang, start_offset, end_offset)` looks at what a cursor or selection
covers and answers with a `CodeTarget` in two cases, and None everywhere else:

- **function**: the cursor is in a function (its header, its body, or the doc comment just
  above it) whose body is empty or holds only a docstring, comments and placeholders (`pass`,
  `...`, `raise NotImplementedError`, `todo!()`, `unimplemented!()`, `panic("TODO")`,
  `throw new UnsupportedOperationException()`, ...). The code replaces the placeholders and
  goes after the docstring and comments, one indentation level inside the function.
- **comment**: the cursor is on a comment (a run of line comments, or a block comment)
  that stands on its own lines, reads as prose (not commented-out code, a pragma, a shebang
  or a licence header), and is not followed directly by code: the next non-blank line is
  blank-separated, closes the block, or there is none. The code goes on the lines after the
  comment, at the comment's indentation.

A target is an edit: the code replaces `start_offset`..`end_offset` (characters; equal for a
pure insertion) as `lead + indent + code + trail`. Nothing outside that range changes.

Everything here is pure and synchronous (tree-sitter parses in microseconds to milliseconds);
callers on an event loop run it in a thread.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Literal

import tree_sitter as ts

from context.document import Document
from context.languages import Language
from context.syntax import parse

TargetKind = Literal["comment", "function"]

MAX_SELECTION_LINES = 200
"""Lines of a selection searched for a comment; a larger selection looks at its first line."""

_COMMENT_TYPES = frozenset({"comment", "line_comment", "block_comment"})
_BLOCK_CLOSERS = ("}", ")", "]", "end", "esac", "fi", "done")
_PRAGMA = re.compile(
    r"^(?:!|-\*-|noqa|type:|pyright:|mypy:|pylint:|fmt:|isort:|ruff:|eslint|prettier|"
    r"@ts-|tslint|jshint|istanbul|c8\s|nolint|go:|\+build|#?region\b|#?endregion\b|"
    r"pragma\b|NOLINT|clang-format|spdx|copyright|\(c\)|licen[cs]ed?\b|vim:|coding[:=])",
    re.IGNORECASE,
)
_CODE_PUNCTUATION = re.compile(r"[=;{}()\[\]]")
_CODE_KEYWORDS = frozenset(
    {"return", "import", "from", "if", "for", "while", "let", "const", "var", "int", "def"}
)
_PLACEHOLDERS = (
    re.compile(r"^(?:pass|\.\.\.);?$"),
    re.compile(r"^raise\s+NotImplementedError\b.*$", re.DOTALL),
    re.compile(r"^(?:todo|unimplemented)!\(.*\);?$", re.DOTALL),
    re.compile(r"^panic\(.*(?:todo|implement).*\);?$", re.IGNORECASE | re.DOTALL),
    re.compile(
        r"^throw\s+new\s+\w*(?:NotImplemented|Unsupported)\w*\(.*\);?$", re.IGNORECASE | re.DOTALL
    ),
    re.compile(r"^throw\s+new\s+\w*\(.*(?:todo|implement).*\);?$", re.IGNORECASE | re.DOTALL),
)
_USUAL_INDENT = {"javascript": "  ", "typescript": "  ", "tsx": "  ", "go": "\t"}
_TODO = re.compile(r"^(?:todo|fixme|xxx)\b|\bimplement", re.IGNORECASE)


@dataclass(frozen=True)
class CodeTarget:
    """The place generated code goes, and what it should do.

    The edit replaces `start_offset`..`end_offset` (characters) with `lead + indent + code
    + trail`, where every further line of the code is indented by `indent` too. `echo` is text
    a chat model tends to repeat before the code (the comment, the function header), which
    `render` drops.
    """

    kind: TargetKind
    title: str
    instruction: str
    start_offset: int
    end_offset: int
    indent: str
    lead: str = "\n"
    trail: str = ""
    echo: tuple[str, ...] = ()

    @property
    def cursor_offset(self) -> int:
        """Where the code starts in `prompt_document`'s text."""
        return self.start_offset + len(self.lead) + len(self.indent)


def find_target(
    document: Document, lang: Language, start_offset: int, end_offset: int | None = None
) -> CodeTarget | None:
    """The generate target at a cursor or selection (character offsets), or None."""
    end_offset = start_offset if end_offset is None else max(start_offset, end_offset)
    view = _View(document, lang)
    first_line = document.position_at(start_offset, "utf-32")[0]
    last_line = document.position_at(end_offset, "utf-32")[0]
    for line_idx in range(first_line, min(last_line, first_line + MAX_SELECTION_LINES) + 1):
        comment = view.comment_at_line(line_idx)
        if comment is not None:
            return view.target_for_comment(comment)
    function = view.function_at(start_offset)
    if function is not None and view.is_empty_function(function):
        return view.function_target(function, doc_comment=None)
    return None


def is_prose(text: str, lang: Language) -> bool:
    """True when a comment's text describes something in words.

    Not prose: fewer than two words, pragmas and licence lines, and commented-out code (text
    that parses cleanly in the file's language and looks like a statement).
    """
    stripped = text.strip()
    if len(re.findall(r"[^\W\d_]{2,}", stripped)) < 2 or _PRAGMA.match(stripped):
        return False
    tree = parse(lang, stripped)
    if tree.root_node.has_error:
        return True
    first_word = stripped.split(None, 1)[0]
    return not (_CODE_PUNCTUATION.search(stripped) or first_word in _CODE_KEYWORDS)


def comment_text(raw: str, lang: Language) -> str:
    """A comment's words without its markers (`#`, `//`, `///`, `/*`, `*`, `*/`)."""
    markers = sorted({lang.line_comment or "#", "/**", "/*!", "/*", "///", "//!", "//"}, key=len)
    lines = []
    for line in raw.splitlines():
        stripped = line.strip().removesuffix("*/").rstrip()
        for marker in reversed(markers):
            if stripped.startswith(marker):
                stripped = stripped[len(marker) :]
                break
        else:
            stripped = stripped.removeprefix("*")
        lines.append(stripped.strip())
    return "\n".join(lines).strip()


def indent_unit(document: Document, lang: Language | None = None) -> str:
    """The file's indentation step (the most common increase), else the language's usual."""
    steps: Counter[str] = Counter()
    previous = ""
    n_tabs = 0
    for line_idx in range(min(document.n_lines, 2000)):
        line = document.line_text(line_idx)
        # Blank lines and the ` * ` lines inside block comments say nothing about the step.
        if not line.strip() or line.lstrip().startswith("*"):
            continue
        indent = line[: len(line) - len(line.lstrip())]
        n_tabs += indent.startswith("\t")
        if len(indent) > len(previous) and indent.startswith(previous):
            steps[indent[len(previous) :]] += 1
        previous = indent
    if steps:
        return steps.most_common(1)[0][0]
    if n_tabs:
        return "\t"
    return _USUAL_INDENT.get(lang.name, "    ") if lang is not None else "    "


class _View:
    """One parse of a document, with the questions `find_target` asks of it."""

    def __init__(self, document: Document, lang: Language) -> None:
        self.document = document
        self.lang = lang
        self.source = document.text.encode("utf-8")
        self.tree = parse(lang, self.source)
        self._is_ascii = document.text.isascii()

    # Offsets: tree-sitter counts bytes, targets count characters.

    def offset(self, offset_bytes: int) -> int:
        if self._is_ascii:
            return offset_bytes
        return len(self.source[:offset_bytes].decode("utf-8", "replace"))

    def offset_bytes(self, offset: int) -> int:
        if self._is_ascii:
            return offset
        return len(self.document.text[:offset].encode("utf-8"))

    def text(self, node: ts.Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def line_indent(self, line_idx: int) -> str:
        line = self.document.line_text(line_idx)
        return line[: len(line) - len(line.lstrip())]

    def is_alone_on_lines(self, node: ts.Node) -> bool:
        """True when nothing but whitespace shares the node's first and last lines."""
        start_line = self.document.line_text(node.start_point.row)
        end_line = self.document.line_text(node.end_point.row)
        before = start_line.encode("utf-8")[: node.start_point.column]
        after = end_line.encode("utf-8")[node.end_point.column :]
        return not before.strip() and not after.strip()

    # Comments.

    def comment_at_line(self, line_idx: int) -> list[ts.Node] | None:
        """The run of comments covering the first character of a line, if it is one."""
        line = self.document.line_text(line_idx)
        if not line.strip():
            return None
        column = len(line[: len(line) - len(line.lstrip())].encode("utf-8"))
        point = (line_idx, column)
        node: ts.Node | None = self.tree.root_node.descendant_for_point_range(point, point)
        while node is not None and node.type not in _COMMENT_TYPES:
            node = node.parent
        if node is None:
            return None
        while node.parent is not None and node.parent.type in _COMMENT_TYPES:
            node = node.parent
        if not self.is_alone_on_lines(node):
            return None
        run = [node]
        while (prev := run[0].prev_named_sibling) is not None and self._continues(prev, run[0]):
            run.insert(0, prev)
        while (nxt := run[-1].next_named_sibling) is not None and self._continues(run[-1], nxt):
            run.append(nxt)
        return run

    def _continues(self, first: ts.Node, second: ts.Node) -> bool:
        """True when two comments form one run: adjacent lines, both alone on their lines."""
        return (
            first.type in _COMMENT_TYPES
            and second.type in _COMMENT_TYPES
            and second.start_point.row == first.end_point.row + 1
            and self.is_alone_on_lines(first)
            and self.is_alone_on_lines(second)
        )

    def target_for_comment(self, run: list[ts.Node]) -> CodeTarget | None:
        """The target of a comment run: its function's body, the code after it, or None."""
        raw = "\n".join(self.text(node) for node in run)
        words = comment_text(raw, self.lang)
        enclosing = self.function_at(self.offset(run[0].start_byte))
        if enclosing is not None and self._is_inside_body(enclosing, run[0]):
            if self.is_empty_function(enclosing):
                return self.function_target(enclosing, doc_comment=None)
            if not is_prose(words, self.lang):
                return None
        elif not is_prose(words, self.lang):
            return None
        last_row = run[-1].end_point.row
        next_row = self._next_code_line(last_row + 1)
        if next_row is not None and next_row == last_row + 1:
            following = self._function_starting_at(next_row)
            if following is not None:
                if self.is_empty_function(following):
                    return self.function_target(following, doc_comment=words)
                return None
            if not self._closes_block(next_row, self.line_indent(run[0].start_point.row)):
                return None
        indent = self.line_indent(run[0].start_point.row)
        anchor = self.offset(run[-1].end_byte)
        return CodeTarget(
            kind="comment",
            title="Generate code from comment",
            instruction=words,
            start_offset=anchor,
            end_offset=anchor,
            indent=indent,
            echo=tuple(self.text(node).strip() for node in run),
        )

    def _next_code_line(self, line_idx: int) -> int | None:
        for idx in range(line_idx, self.document.n_lines):
            if self.document.line_text(idx).strip():
                return idx
        return None

    def _closes_block(self, line_idx: int, indent: str) -> bool:
        """True when a line ends the comment's block: a closer, or (by indentation) a dedent."""
        line = self.document.line_text(line_idx)
        if line.strip().startswith(_BLOCK_CLOSERS):
            return True
        return self.lang.is_indent_based and len(self.line_indent(line_idx)) < len(indent)

    # Functions.

    def function_at(self, offset: int) -> ts.Node | None:
        """The innermost function whose span holds the offset (or ends just before it)."""
        offset_bytes = self.offset_bytes(offset)
        for at in (offset_bytes, offset_bytes - 1) if offset_bytes else (0,):
            node: ts.Node | None = self.tree.root_node.descendant_for_byte_range(at, at)
            while node is not None and node.type not in self.lang.function_types:
                node = node.parent
            if node is not None:
                return node
        return None

    def _function_starting_at(self, line_idx: int) -> ts.Node | None:
        """A function (or a decorated one) whose first line is `line_idx`, if any."""
        line = self.document.line_text(line_idx)
        column = len(line[: len(line) - len(line.lstrip())].encode("utf-8"))
        point = (line_idx, column)
        node: ts.Node | None = self.tree.root_node.descendant_for_point_range(point, point)
        while node is not None and node.start_point.row == line_idx:
            if node.type in self.lang.function_types:
                return node
            for child in node.named_children:
                if child.type in self.lang.function_types:
                    return child
            node = node.parent
        return None

    def _is_inside_body(self, function: ts.Node, node: ts.Node) -> bool:
        body = function.child_by_field_name("body")
        if body is None:
            return False
        return body.start_byte <= node.start_byte and node.end_byte <= body.end_byte

    def _body_parts(self, function: ts.Node) -> tuple[ts.Node, list[ts.Node]] | None:
        """The function's block body and its statements (comments included), or None."""
        body = function.child_by_field_name("body")
        if body is None or body.type not in self.lang.body_types:
            return None
        statements: list[ts.Node] = []
        for child in body.named_children:
            if child.type == "statement_list":
                statements.extend(child.named_children)
            else:
                statements.append(child)
        return body, statements

    def _role(self, node: ts.Node, is_first: bool) -> Literal["doc", "placeholder", "code"]:
        if node.type in _COMMENT_TYPES:
            return "doc"
        if (
            is_first
            and self.lang.docstring_in_body
            and node.type == "expression_statement"
            and node.named_child_count == 1
            and node.named_children[0].type in ("string", "concatenated_string")
        ):
            return "doc"
        text = " ".join(self.text(node).split())
        if any(pattern.match(text) for pattern in _PLACEHOLDERS):
            return "placeholder"
        return "code"

    def is_empty_function(self, function: ts.Node) -> bool:
        """True when the body holds only a docstring, comments and placeholders."""
        parts = self._body_parts(function)
        if parts is None or parts[0].has_error:
            return False
        statements = parts[1]
        return all(self._role(s, i == 0) != "code" for i, s in enumerate(statements))

    def function_target(self, function: ts.Node, doc_comment: str | None) -> CodeTarget:
        """The target that fills an empty function's body."""
        parts = self._body_parts(function)
        assert parts is not None, "is_empty_function holds for this function"
        body, statements = parts
        opener = self._body_opener(function, body)
        # The code goes after the docs that open the body and replaces the run of
        # placeholders that follows them; anything after that run stays as it is.
        anchor_bytes = opener.end_byte
        end_bytes: int | None = None
        is_run_over = False
        last_row = -1
        docs: list[str] = [doc_comment] if doc_comment else []
        placed_rows: list[int] = []
        for i, statement in enumerate(statements):
            if statement.start_point.row > opener.end_point.row:
                placed_rows.append(statement.start_point.row)
            role = self._role(statement, i == 0)
            if role == "doc" and end_bytes is not None and not is_run_over:
                # A `# TODO` on the placeholder's own line goes with the placeholder.
                words = self._doc_words(statement)
                if statement.start_point.row == last_row and _TODO.match(words):
                    docs.append(words)
                    end_bytes = statement.end_byte
                    continue
            if role == "doc":
                docs.append(self._doc_words(statement))
                if end_bytes is None:
                    anchor_bytes = statement.end_byte
                else:
                    is_run_over = True
            elif not is_run_over:
                end_bytes = statement.end_byte
                last_row = statement.end_point.row
        start = self.offset(anchor_bytes)
        end = self.offset(end_bytes) if end_bytes is not None else start
        header_indent = self.line_indent(opener.start_point.row)
        if placed_rows:
            indent = self.line_indent(placed_rows[0])
        else:
            indent = header_indent + indent_unit(self.document, self.lang)
        if end_bytes is None:
            start = end = self._after_trailing_comments(start, indent)
        trail = ""
        closer = body.children[-1] if body.children else None
        if closer is not None and closer.type == "}":
            closer_row = closer.start_point.row
            if closer_row == self.document.position_at(end, "utf-32")[0]:
                trail = "\n" + self.line_indent(closer_row)
        header = self._header(function, body)
        name_node = function.child_by_field_name("name")
        name = self.text(name_node) if name_node is not None else ""
        instruction = "Write the body of this function:\n" + header
        if docs:
            instruction += "\n" + "\n".join(d for d in docs if d)
        return CodeTarget(
            kind="function",
            title=f"Generate the body of {name}" if name else "Generate the function body",
            instruction=instruction,
            start_offset=start,
            end_offset=end,
            indent=indent,
            trail=trail,
            echo=(header.split("\n", 1)[0].strip(),),
        )

    def _body_opener(self, function: ts.Node, body: ts.Node) -> ts.Node:
        """The token after which the body's code starts: `{`, or Python's `:`."""
        if body.children and body.children[0].type == "{":
            return body.children[0]
        opener = body
        for child in function.children:
            if child.end_byte <= body.start_byte and child.type == ":":
                opener = child
        return opener

    def _header(self, function: ts.Node, body: ts.Node) -> str:
        raw = self.source[function.start_byte : body.start_byte].decode("utf-8", "replace")
        return raw.rstrip().removesuffix("{").rstrip()

    def _doc_words(self, node: ts.Node) -> str:
        if node.type in _COMMENT_TYPES:
            return comment_text(self.text(node), self.lang)
        literal = self.text(node).strip().lstrip("rRbBuUfF")
        for quote in ('"""', "'''", '"', "'"):
            if literal.startswith(quote) and literal.endswith(quote) and len(literal) > 1:
                return literal[len(quote) : -len(quote)].strip()
        return literal

    def _after_trailing_comments(self, offset: int, indent: str) -> int:
        """Past comment lines at the body's indentation just after `offset` (Python puts
        trailing comments of a block outside it in its tree, though they read as inside)."""
        line_idx = self.document.position_at(offset, "utf-32")[0] + 1
        marker = self.lang.line_comment
        while marker and line_idx < self.document.n_lines:
            line = self.document.line_text(line_idx)
            if not (line.startswith(indent) and line.strip().startswith(marker)):
                break
            offset = self.document.line_starts[line_idx] + len(line)
            line_idx += 1
        return offset
