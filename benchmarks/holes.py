"""Holes cut in real source trees, for the benchmarks: the one `Hole` type, and the
statement holes sampled from installed Python packages.

A hole is code removed at a cursor: `prefix` ends at the cursor, `middle` is the removed
code, `suffix` is the rest of the file. `sample_holes` cuts runs of whole statements inside
a function body (its `prefix` ends at the start of the first line, its `middle` is the lines
with their line breaks); bench_context cuts the rest of a line. `single` holes are one
one-line statement; `multi` holes are 2 to 8 lines of consecutive statements of one block.
Sampling is seeded, so every run cuts the same holes.
"""

from __future__ import annotations

import importlib.util
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import tree_sitter as ts

from context.languages import language_named
from context.syntax import parse

PACKAGES = ("httpx", "pygls", "cattrs", "pathspec")


@dataclass(frozen=True)
class Hole:
    """One hole: the file it is in, the text around it and the true middle.

    The benchmarks' one hole type; `fillin eval`'s (`context.evaluate.Hole`) is a whole
    blanked line of the user's repository, with its kind, and stays with the product.
    """

    path: Path
    prefix: str
    middle: str
    suffix: str

    @property
    def offset(self) -> int:
        """Where the hole starts, in characters of the file."""
        return len(self.prefix)

    @property
    def text(self) -> str:
        """The file with the middle removed, as an editor holds it at the cursor."""
        return self.prefix + self.suffix


def package_dir(name: str) -> Path | None:
    """The directory of an installed package, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def source_files(packages: tuple[str, ...] = PACKAGES) -> list[Path]:
    """The .py files of the installed packages, sorted."""
    files: list[Path] = []
    for name in packages:
        directory = package_dir(name)
        if directory is not None:
            files.extend(sorted(directory.rglob("*.py")))
    return files


def sample_holes(
    kind: str, n_holes: int, seed: int = 7, files: list[Path] | None = None
) -> list[Hole]:
    """`n_holes` holes of `kind` ("single" or "multi"), spread over the packages' files."""
    rng = random.Random(seed)
    candidates: list[Hole] = []
    for path in files if files is not None else source_files():
        text = path.read_text(encoding="utf-8")
        if not text.isascii():
            continue
        candidates.extend(_holes_in(path, text, kind))
    rng.shuffle(candidates)
    return candidates[:n_holes]


def _holes_in(path: Path, text: str, kind: str) -> Iterator[Hole]:
    lang = language_named("python")
    assert lang is not None
    tree = parse(lang, text)
    line_starts = [0]
    for index, ch in enumerate(text):
        if ch == "\n":
            line_starts.append(index + 1)
    for block in _function_blocks(tree.root_node):
        statements = [s for s in block.named_children if s.type != "comment"]
        for first_idx, first in enumerate(statements):
            line_start = line_starts[first.start_point.row]
            if _is_docstring(first) or text[line_start : first.start_byte].strip():
                # A body on its header's line (`def f(): ...`) is not a line of its own.
                continue
            if kind == "single":
                if first.start_point.row == first.end_point.row:
                    yield _hole(path, text, line_starts, first.start_point.row, first.end_point.row)
                continue
            for last in statements[first_idx + 1 : first_idx + 4]:
                n_lines = last.end_point.row - first.start_point.row + 1
                if 2 <= n_lines <= 8:
                    yield _hole(path, text, line_starts, first.start_point.row, last.end_point.row)
                    break


def _hole(path: Path, text: str, line_starts: list[int], first_row: int, last_row: int) -> Hole:
    start = line_starts[first_row]
    end = line_starts[last_row + 1] if last_row + 1 < len(line_starts) else len(text)
    return Hole(path, text[:start], text[start:end], text[end:])


def _function_blocks(root: ts.Node) -> Iterator[ts.Node]:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "function_definition":
            body = node.child_by_field_name("body")
            if body is not None:
                yield body
        stack.extend(node.named_children)


def _is_docstring(node: ts.Node) -> bool:
    return node.type == "expression_statement" and node.named_children[0].type == "string"
