"""The engine of `fillin eval`: measure completion on a repository's own code.

1. **Holes.** `make_holes` picks lines of the repository's indexed source files and blanks
   their code (the indentation stays, the cursor sits after it). Two kinds, half each where
   the repository has enough: `cross-file` lines use a name that the symbol index knows only
   from other files (what repository context should help with), `plain` lines are any other
   line of code. Comments, strings, blank lines, lone closers and very short or long lines
   are never holes. The choice is random but fixed by `EvalOptions.seed`.
2. **Runs.** `evaluate` asks the completion pipeline for each hole once per configuration:
   `baseline` (no repository context, no validation) and `fillin` (repository context and
   validation as configured), always in single-line mode since a hole is one line. Holes run
   in a random order, so a time limit still leaves a fair sample.
3. **Scores.** The suggestion's first line against the blanked code: exact match
   (whitespace-trimmed), edit similarity (1 - Levenshtein distance / longer length), whether
   the validator finds no problem in it, what the pipeline did with it (the outcome), and
   latency to the first token and in total.

The repository is only read: holes live in memory (the document handed to the pipeline
overrides the file on disk), and the index lives in the user's cache directory.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import tree_sitter as ts

from context.document import Document
from context.errors import IndexStoreError
from context.languages import Language, language_named
from context.pipeline import (
    CompletionRequest,
    CompletionResult,
    Engine,
    check_suggestion,
    complete,
)
from context.settings import Settings
from context.stats import Percentiles, outcome_of
from context.syntax import parse

HoleKind = Literal["cross-file", "plain"]
HOLE_KINDS: tuple[HoleKind, ...] = ("cross-file", "plain")
CONFIGURATIONS = ("baseline", "fillin")

MIN_HOLE_CHARS = 6
MAX_HOLE_CHARS = 160
MAX_FILE_LINES = 20_000
_NON_CODE_TYPES = frozenset(
    {
        "comment",
        "line_comment",
        "block_comment",
        "string",
        "string_content",
        "string_fragment",
        "template_string",
        "raw_string_literal",
        "string_literal",
        "interpreted_string_literal",
        "raw_string",
        "text_block",
    }
)


@dataclass(frozen=True)
class EvalOptions:
    """What `fillin eval` measures: how many holes, which languages, for how long."""

    n_holes: int = 40
    seed: int = 0
    languages: tuple[str, ...] = ()
    """Language names (`python`, `go`, ...) whose files get holes; empty means every one."""
    time_limit_s: float | None = None
    """Stop starting new holes after this many seconds; the report covers those that ran."""


@dataclass(frozen=True)
class SourceFile:
    """A file of the repository that holes may be made in."""

    path: Path
    rel_path: str
    language: str
    text: str
    definition_lines: frozenset[int] = frozenset()
    """Lines that start a definition: never holes."""


@dataclass(frozen=True)
class Hole:
    """One blanked line: `expected` is its code without the indentation."""

    rel_path: str
    path: Path
    language: str
    line_idx: int
    kind: HoleKind
    expected: str
    names: tuple[str, ...] = ()
    """For a cross-file hole, the names on the line that other files define."""

    def document(self, text: str) -> tuple[Document, int]:
        """The file with this hole's code removed, and the cursor offset (after the indent)."""
        lines = text.split("\n")
        line = lines[self.line_idx]
        indent = line[: len(line) - len(line.lstrip())]
        lines[self.line_idx] = indent
        start = sum(len(previous) + 1 for previous in lines[: self.line_idx])
        document = Document(
            uri=self.path.as_uri(), text="\n".join(lines), language_id=self.language, path=self.path
        )
        return document, start + len(indent)


@dataclass(frozen=True)
class Attempt:
    """What one configuration suggested for one hole, and how it scored.

    `outcome` says what the pipeline did: `returned` (as the model wrote it), `trimmed` or
    `annotated` (a validation policy acted), `rejected` (validation dropped it), `empty`
    (nothing to suggest) or `error` (the model server failed). `is_valid` is the validator's
    verdict on the returned text (None when nothing was returned).
    """

    hole: Hole
    configuration: str
    suggestion: str
    outcome: str
    is_valid: bool | None
    first_token_ms: float | None
    total_ms: float
    detail: str = ""
    """The model server's error, or why the suggestion was rejected; "" otherwise."""

    @property
    def is_exact(self) -> bool:
        """True when the suggestion's first line is the blanked code."""
        return self.suggestion.strip() == self.hole.expected.strip()

    @property
    def similarity(self) -> float:
        """Edit similarity of the suggestion's first line to the blanked code, 0 to 1."""
        return edit_similarity(self.suggestion.strip(), self.hole.expected.strip())


@dataclass(frozen=True)
class Summary:
    """The figures of one configuration over a set of holes."""

    n_holes: int
    n_suggestions: int
    n_exact: int
    n_valid: int
    similarity_sum: float
    outcomes: Mapping[str, int]
    first_token_ms: Percentiles
    total_ms: Percentiles

    @property
    def exact_match(self) -> float | None:
        """The share of holes whose suggestion was exactly the blanked code."""
        return self.n_exact / self.n_holes if self.n_holes else None

    @property
    def edit_similarity(self) -> float | None:
        """The mean edit similarity over holes (a hole without a suggestion scores 0)."""
        return self.similarity_sum / self.n_holes if self.n_holes else None

    @property
    def valid_share(self) -> float | None:
        """The share of returned suggestions in which the validator found no problem."""
        return self.n_valid / self.n_suggestions if self.n_suggestions else None

    @classmethod
    def of(cls, attempts: Sequence[Attempt]) -> Summary:
        """The summary of some attempts (one per hole)."""
        returned = [a for a in attempts if a.suggestion.strip()]
        return cls(
            n_holes=len(attempts),
            n_suggestions=len(returned),
            n_exact=sum(1 for a in attempts if a.is_exact),
            n_valid=sum(1 for a in returned if a.is_valid),
            similarity_sum=sum(a.similarity for a in attempts),
            outcomes=dict(sorted(Counter(a.outcome for a in attempts).items())),
            first_token_ms=Percentiles.of(a.first_token_ms for a in attempts),
            total_ms=Percentiles.of(a.total_ms for a in attempts),
        )


@dataclass(frozen=True)
class EvalReport:
    """Everything `fillin eval` measured."""

    root: Path
    backend: str
    model: str
    options: EvalOptions
    holes: tuple[Hole, ...]
    """Every hole made, in the order they ran; those past a time limit did not run."""
    attempts: tuple[Attempt, ...]
    elapsed_s: float
    is_stopped_early: bool = False
    n_candidates: Mapping[HoleKind, int] = field(default_factory=dict)
    """How many lines of each kind could have been holes."""

    @property
    def n_holes_run(self) -> int:
        """How many holes every configuration ran."""
        counts = Counter(a.configuration for a in self.attempts)
        return min((counts.get(c, 0) for c in CONFIGURATIONS), default=0)

    def summary(self, configuration: str, kind: HoleKind | None = None) -> Summary:
        """The figures of one configuration, over every hole that ran or one kind of them."""
        return Summary.of(
            [
                a
                for a in self.attempts
                if a.configuration == configuration and (kind is None or a.hole.kind == kind)
            ]
        )

    @property
    def seconds_per_hole(self) -> float | None:
        """Wall-clock seconds per hole run (all configurations together)."""
        return self.elapsed_s / self.n_holes_run if self.n_holes_run else None


@dataclass(frozen=True)
class EvalProgress:
    """How far a run is: holes done out of holes made, and seconds since it started."""

    n_done: int
    n_total: int
    elapsed_s: float


async def evaluate(
    engine: Engine,
    options: EvalOptions,
    progress: Callable[[EvalProgress], None] | None = None,
) -> EvalReport:
    """Make holes in the engine's workspace and run every configuration on each of them.

    `engine.workspace` must be indexed (the holes come from its files and its symbols).
    Cancelling the calling task stops at the next model request.
    """
    workspace = engine.workspace
    if workspace is None:
        raise ValueError("fillin eval needs the repository's index (engine.workspace)")
    started = time.monotonic()
    planned = await plan_holes(engine, options)
    holes = planned.holes
    engines = {
        configuration: dataclasses.replace(
            engine, settings=configuration_settings(engine.settings, configuration)
        )
        for configuration in CONFIGURATIONS
    }
    attempts: list[Attempt] = []
    is_stopped_early = False
    for n_done, hole in enumerate(holes):
        elapsed_s = time.monotonic() - started
        if options.time_limit_s is not None and elapsed_s >= options.time_limit_s:
            is_stopped_early = True
            break
        document, offset = hole.document(planned.texts[hole.rel_path])
        for configuration, configured in engines.items():
            request = CompletionRequest(document, offset, "invoked")
            result = await complete(configured, request)
            attempts.append(await _attempt(engines["fillin"], hole, configuration, request, result))
        if progress is not None:
            progress(EvalProgress(n_done + 1, len(holes), time.monotonic() - started))
    return EvalReport(
        root=workspace.root,
        backend=engine.backend.name,
        model=engine.settings.model.name or engine.settings.model.path or engine.backend.name,
        options=options,
        holes=tuple(holes),
        attempts=tuple(attempts),
        elapsed_s=time.monotonic() - started,
        is_stopped_early=is_stopped_early,
        n_candidates=planned.n_candidates,
    )


@dataclass(frozen=True)
class HolePlan:
    """The holes of a run, in the order they run, and the texts they were made in."""

    holes: tuple[Hole, ...]
    n_candidates: Mapping[HoleKind, int]
    texts: Mapping[str, str]


async def plan_holes(engine: Engine, options: EvalOptions) -> HolePlan:
    """The holes that `evaluate` makes in the engine's indexed workspace (deterministic)."""
    workspace = engine.workspace
    if workspace is None:
        raise ValueError("fillin eval needs the repository's index (engine.workspace)")
    files = await asyncio.to_thread(_source_files, engine)

    def defining_files(name: str) -> list[str]:
        try:
            return [row.rel_path for row in workspace.store.definitions(name, limit=50)]
        except IndexStoreError:
            return []

    holes, n_candidates = await asyncio.to_thread(make_holes, files, defining_files, options)
    return HolePlan(tuple(holes), n_candidates, {f.rel_path: f.text for f in files})


async def _attempt(
    checker: Engine,
    hole: Hole,
    configuration: str,
    request: CompletionRequest,
    result: CompletionResult,
) -> Attempt:
    """Score one configuration's answer; the validator judges every returned text alike."""
    suggestion = result.suggestions[0] if result.suggestions else None
    text = suggestion.text if suggestion is not None else ""
    is_valid: bool | None = None
    if text.strip():
        report = await check_suggestion(checker, request.document, request.offset, text)
        is_valid = not report.problems
    return Attempt(
        hole=hole,
        configuration=configuration,
        suggestion=text.split("\n", 1)[0],
        outcome=outcome_of(result, suggestion, is_validated=configuration == "fillin"),
        is_valid=is_valid,
        first_token_ms=result.timings.first_token_ms,
        total_ms=result.timings.total_ms,
        detail=str(result.error) if result.error else "; ".join(r.reason for r in result.rejected),
    )


def _source_files(engine: Engine) -> list[SourceFile]:
    """The indexed files of the workspace with their text, definition lines blanked out.

    A line that starts a definition is left out of the holes (its text is in the index's
    outlines, which repository context may show), which is why the lines are looked up here.
    """
    workspace = engine.workspace
    assert workspace is not None
    files: list[SourceFile] = []
    for row in workspace.store.files():
        text = workspace.document_text(row.path)
        if text is None:
            continue
        starts = frozenset(d.start_line_idx for d in workspace.store.definitions_in_file(row.path))
        files.append(SourceFile(row.path, row.rel_path, row.language, text, starts))
    return files


MIN_TIMEOUT_MS = 60_000
"""The least `model.timeoutMs` an evaluation runs with."""


def evaluation_settings(settings: Settings) -> Settings:
    """The settings an evaluation opens its engine with, whatever everyday use says.

    The index is on (holes come from it) and so is repository context (the `fillin`
    configuration uses it); the model gets at least `MIN_TIMEOUT_MS`, so that a busy server
    answering late shows up as latency rather than as failures.
    """
    return dataclasses.replace(
        settings,
        model=dataclasses.replace(
            settings.model, timeout_ms=max(settings.model.timeout_ms, MIN_TIMEOUT_MS)
        ),
        index=dataclasses.replace(settings.index, enabled=True),
        context=dataclasses.replace(settings.context, repository=True),
    )


def configuration_settings(settings: Settings, configuration: str) -> Settings:
    """The settings one configuration runs with (single-line, as holes are lines)."""
    if configuration not in CONFIGURATIONS:
        raise ValueError(f"unknown configuration {configuration!r} (one of {CONFIGURATIONS})")
    is_fillin = configuration == "fillin"
    return dataclasses.replace(
        settings,
        completion=dataclasses.replace(
            settings.completion, enabled=True, multiline="never", completion_items=True
        ),
        context=dataclasses.replace(settings.context, repository=is_fillin),
        validation=dataclasses.replace(settings.validation, enabled=is_fillin),
    )


def make_holes(
    files: Iterable[SourceFile],
    defining_files: Callable[[str], Iterable[str]],
    options: EvalOptions,
) -> tuple[list[Hole], dict[HoleKind, int]]:
    """Pick holes in `files`; also returns how many candidate lines each kind had.

    `defining_files(name)` gives the relative paths of the files that define `name` (the
    symbol index answers it). Half the holes are cross-file where there are enough, the rest
    plain; either kind fills in for the other when it runs short.
    """
    rng = random.Random(options.seed)
    wanted = set(options.languages)
    candidates: dict[HoleKind, list[Hole]] = {"cross-file": [], "plain": []}
    defined_by: dict[str, frozenset[str]] = {}

    def elsewhere(name: str, rel_path: str) -> bool:
        files_of = defined_by.get(name)
        if files_of is None:
            files_of = defined_by[name] = frozenset(defining_files(name))
        return bool(files_of) and rel_path not in files_of

    for source in sorted(files, key=lambda f: f.rel_path):
        if wanted and source.language not in wanted:
            continue
        lang = language_named(source.language)
        if lang is None:
            continue
        for line_idx, code, names in candidate_lines(source.text, lang):
            if line_idx in source.definition_lines:
                continue
            cross = tuple(n for n in names if elsewhere(n, source.rel_path))
            kind: HoleKind = "cross-file" if cross else "plain"
            candidates[kind].append(
                Hole(source.rel_path, source.path, source.language, line_idx, kind, code, cross)
            )
    counts = {kind: len(holes) for kind, holes in candidates.items()}
    for holes in candidates.values():
        rng.shuffle(holes)
    n_cross = min(len(candidates["cross-file"]), max(options.n_holes // 2, 0))
    n_plain = min(len(candidates["plain"]), options.n_holes - n_cross)
    n_cross = min(len(candidates["cross-file"]), options.n_holes - n_plain)
    chosen = candidates["cross-file"][:n_cross] + candidates["plain"][:n_plain]
    rng.shuffle(chosen)
    return chosen, counts


def candidate_lines(text: str, lang: Language) -> list[tuple[int, str, tuple[str, ...]]]:
    """Lines of code that may become holes: (line index, code, identifiers on the line)."""
    if text.count("\n") > MAX_FILE_LINES:
        return []
    source = text.encode("utf-8")
    tree = parse(lang, source)
    names_by_line = _identifiers_by_line(tree.root_node, source)
    found: list[tuple[int, str, tuple[str, ...]]] = []
    for line_idx, line in enumerate(text.split("\n")):
        code = line.strip()
        if not (MIN_HOLE_CHARS <= len(code) <= MAX_HOLE_CHARS):
            continue
        if lang.line_comment and code.startswith(lang.line_comment):
            continue
        if line_idx not in names_by_line or _is_inside_non_code(tree, line_idx, line):
            continue
        found.append((line_idx, code, tuple(dict.fromkeys(names_by_line[line_idx]))))
    return found


def edit_similarity(a: str, b: str) -> float:
    """1 - (Levenshtein distance / length of the longer string); 1.0 for two empty strings."""
    if a == b:
        return 1.0
    longer = max(len(a), len(b))
    return 1.0 - levenshtein(a, b) / longer


def levenshtein(a: str, b: str) -> int:
    """The number of single-character insertions, deletions and substitutions from a to b."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _identifiers_by_line(root: ts.Node, source: bytes) -> dict[int, list[str]]:
    """Every identifier leaf of the tree, grouped by its line."""
    by_line: dict[int, list[str]] = {}
    cursor = root.walk()
    while True:
        node = cursor.node
        if node is not None and node.child_count == 0 and node.type.endswith("identifier"):
            name = source[node.start_byte : node.end_byte].decode("utf-8", "replace")
            by_line.setdefault(node.start_point.row, []).append(name)
        if cursor.goto_first_child() or cursor.goto_next_sibling():
            continue
        while cursor.goto_parent():
            if cursor.goto_next_sibling():
                break
        else:
            return by_line


def _is_inside_non_code(tree: ts.Tree, line_idx: int, line: str) -> bool:
    """True when the line starts inside a comment or a string (a docstring, say)."""
    column = len(line[: len(line) - len(line.lstrip())].encode("utf-8"))
    point = (line_idx, column)
    node: ts.Node | None = tree.root_node.descendant_for_point_range(point, point)
    while node is not None:
        if node.type in _NON_CODE_TYPES or node.type == "ERROR":
            return True
        node = node.parent
    return False
