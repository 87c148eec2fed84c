"""What the arity check asks of a whole file's text, each read in one pass.

The arity check asks, for every call of a suggestion, where the file defines the callee,
whether it binds the name otherwise, and what it imports: one whole-text search per call,
which made a 4,000-line suggestion take 110 s. `TextIndex` reads the text once per kind of
question (each on first use) and answers every name from a dictionary, giving what the
per-name searches gave: the same regular expressions, tried at every line start (or run
once over the text where they were), with the name's place taken by a word.

Guarantees: each property costs one pass over the text; answers are only valid for names
made of word characters (`is_word`); callers keep the per-name search for the rest.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

_WORD = re.compile(r"\w+")
_PYTHON_HEADER = re.compile(r"([ \t]*)(?:async\s+)?(def|class)\s+(\w+)\b")
_IMPORT_AS = re.compile(r"[ \t]*import\s+([\w.]+)\s+as\s+(\w+)\s*$", re.MULTILINE)
_IMPORT_PLAIN = re.compile(r"[ \t]*import\s+(\w+)\s*$", re.MULTILINE)
_FROM_IMPORT = re.compile(r"^[ \t]*from\s+([\w.]+)\s+import\s+([^\n]+)", re.MULTILINE)
_JS_DECLARATION = re.compile(
    r"\bfunction\s*\*?\s*([\w$]+)\s*[(<]|\b(?:const|let|var)\s+([\w$]+)\s*="
)


@dataclass(frozen=True)
class PythonHeader:
    """A `def` or `class` line: where it starts, its indentation, its keyword and where
    the keyword starts."""

    start: int
    indent: str
    keyword: str
    keyword_at: int


def is_word(name: str) -> bool:
    """Whether `name` is one run of word characters, the names `TextIndex` answers for."""
    return _WORD.fullmatch(name) is not None


class TextIndex:
    """One text's words, headers and imports, each found on first use."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def line_starts(self) -> list[int]:
        """The offset of every line's first character."""
        return [0, *(m.end() for m in re.finditer("\n", self.text))]

    @cached_property
    def words(self) -> dict[str, list[int]]:
        """Where each word (a maximal run of word characters) starts, in order: the matches
        of `\\bname\\b` for a name made of word characters."""
        found: dict[str, list[int]] = defaultdict(list)
        for match in _WORD.finditer(self.text):
            found[match.group()].append(match.start())
        return found

    @cached_property
    def python_headers(self) -> dict[str, list[PythonHeader]]:
        """`def NAME` and `class NAME` lines by name: what
        `^([ \\t]*)(?:async\\s+)?(def|class)\\s+NAME\\b` finds at each line start."""
        found: dict[str, list[PythonHeader]] = defaultdict(list)
        for start in self.line_starts:
            match = _PYTHON_HEADER.match(self.text, start)
            if match is not None:
                header = PythonHeader(start, match.group(1), match.group(2), match.start(2))
                found[match.group(3)].append(header)
        return found

    @cached_property
    def is_in_class(self) -> dict[int, bool]:
        """For each non-blank line's start: whether the nearest less-indented non-blank line
        above it is a `class` header (indentation counted as `str.lstrip` counts it)."""
        found: dict[int, bool] = {}
        # The lines above that a later line may find nearest: indentations strictly rising.
        above: list[tuple[int, bool]] = []
        for line_idx, line in enumerate(self.text.split("\n")):
            stripped = line.lstrip()
            if not stripped.strip():
                continue
            indent = len(line) - len(stripped)
            while above and above[-1][0] >= indent:
                above.pop()
            found[self.line_starts[line_idx]] = bool(above) and above[-1][1]
            above.append((indent, stripped.startswith("class ")))
        return found

    @cached_property
    def module_aliases(self) -> dict[str, str]:
        """`import module as NAME` and `import NAME` lines: the module each name stands for,
        the first line's."""
        found: dict[str, str] = {}
        for start in self.line_starts:
            if (match := _IMPORT_AS.match(self.text, start)) is not None:
                found.setdefault(match.group(2), match.group(1))
            elif (match := _IMPORT_PLAIN.match(self.text, start)) is not None:
                found.setdefault(match.group(1), match.group(1))
        return found

    @cached_property
    def imported_from(self) -> dict[str, str]:
        """`from module import ... NAME ...` lines: the module each word is imported from,
        the first line's."""
        found: dict[str, str] = {}
        for match in _FROM_IMPORT.finditer(self.text):
            for name in _WORD.findall(match.group(2)):
                found.setdefault(name, match.group(1))
        return found

    @cached_property
    def javascript_declarations(self) -> dict[str, list[tuple[int, bool]]]:
        """Where `function NAME(` and `const|let|var NAME =` start, by name, and whether
        it is a variable's."""
        found: dict[str, list[tuple[int, bool]]] = defaultdict(list)
        for match in _JS_DECLARATION.finditer(self.text):
            found[match.group(1) or match.group(2)].append((match.start(), not match.group(1)))
        return found

    @cached_property
    def javascript_imported_words(self) -> frozenset[str]:
        """The words that come after `import` and before a later `from` with no `;` between."""
        found: set[str] = set()
        for piece in self.text.split(";"):
            first = piece.find("import")
            last = piece.rfind("from")
            if first != -1 and last != -1:
                for match in _WORD.finditer(piece):
                    if match.start() >= first + len("import") and match.end() <= last:
                        found.add(match.group())
        return frozenset(found)
