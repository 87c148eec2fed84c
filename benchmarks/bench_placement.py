"""Placement benchmark: exact match through `fillin serve`, cursor placement by placement,
beside the post-processor alone and beside today's server, all in the same run.

Sets: HumanEval-Infilling single-line and multi-line (OpenAI, MIT; ../shared/data), and
holes cut in installed packages' source trees (`benchmarks.holes`). A task is a prefix that
ends at the start of a line, the true middle (whole lines) and the suffix. Each task becomes
a document and a cursor for each placement, with the text the editor should insert:

- `blank line`: column 0 of an empty line above the suffix (the suffix's own empty line
  when it starts with one); truth: the middle with its final break, the empty line staying
  below it (fillin's rule on empty lines);
- `indented line`: an empty line holding the middle's first indentation; truth: the middle
  from that indentation on, without its final break (the line's own break ends it);
- `column 0 of code`: column 0 of the suffix's first line, which holds code; truth: the
  middle, whole lines ending with a break;
- `indentation of code`: the same document, the cursor after that line's indentation
  (tasks whose middle starts at least as deep); truth: the middle from there on, then the
  indentation, so the line's code stays where it was.

The model is the loopback stand-in (tests/modelserver.py) over-generating: it writes the
truth and then the rest of the document after the cursor (`OVERGENERATED_LINES` lines), as
a model does when nothing stops it. Measured in the same run:

- `fillin serve`: this tree's server over stdio, driven as an editor drives it (open the
  document, `textDocument/inlineCompletion` at the cursor), default settings, no workspace;
- `today`: the same client against the server of a baseline commit (`--baseline`, default
  the main commit c9a3e48 that this work started from), extracted with `git archive`;
- `post-processor alone`: `StreamFilter` + `finish` with the mode forced (multi-line, and
  lines-before-text for the two placements before code). It bypasses the line mode, the
  prompt, the backend and validation, as bench_postprocess does.

Targets (issue 12): before code, >= 95% single-line and >= 85% multi-line; on blank and
indented lines, no worse than today.

Usage: `python -m benchmarks.bench_placement [--quick] [--baseline REF|none]`.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from benchmarks.baseline import BASELINE, REPO, environment_for, extract_baseline
from benchmarks.bench_postprocess import Task, humaneval, package_holes
from context.postprocess.stop_rules import StopContext, postprocess
from context.settings import CompletionSettings
from tests.modelserver import ModelServer, RecordedRequest

OVERGENERATED_LINES = 40
PIECE_CHARS = 4


@dataclass(frozen=True)
class Placed:
    """A document, a cursor in it (characters) and the text an editor should insert there."""

    text: str
    offset: int
    truth: str

    @property
    def position(self) -> types.Position:
        """The cursor as an LSP position (UTF-16 columns)."""
        before = self.text[: self.offset]
        column = before[before.rfind("\n") + 1 :]
        return types.Position(before.count("\n"), len(column.encode("utf-16-le")) // 2)

    @property
    def reply(self) -> str:
        """What the over-generating stand-in writes: the truth, then the document goes on."""
        rest = self.text[self.offset :].split("\n")[:OVERGENERATED_LINES]
        return self.truth + "\n".join(rest)


def _indentation(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def blank_line(task: Task) -> Placed:
    gap = "" if task.suffix.startswith("\n") else "\n"
    return Placed(task.prefix + gap + task.suffix, len(task.prefix), task.middle)


def indented_line(task: Task) -> Placed:
    indentation = _indentation(task.middle)
    text = task.prefix + indentation + "\n" + task.suffix
    truth = task.middle[len(indentation) :].removesuffix("\n")
    return Placed(text, len(task.prefix) + len(indentation), truth)


def column_0_of_code(task: Task) -> Placed | None:
    if not task.suffix.split("\n", 1)[0].strip():
        return None
    return Placed(task.prefix + task.suffix, len(task.prefix), task.middle)


def indentation_of_code(task: Task) -> Placed | None:
    first = task.suffix.split("\n", 1)[0]
    indentation = _indentation(first)
    if not first.strip() or not task.middle.startswith(indentation):
        return None
    truth = task.middle[len(indentation) :] + indentation
    return Placed(task.prefix + task.suffix, len(task.prefix) + len(indentation), truth)


PLACEMENTS: dict[str, Callable[[Task], Placed | None]] = {
    "blank line": blank_line,
    "indented line": indented_line,
    "column 0 of code": column_0_of_code,
    "indentation of code": indentation_of_code,
}
BEFORE_CODE = ("column 0 of code", "indentation of code")


@dataclass
class Served:
    """What one server made of the placed tasks: the inserted text (None: nothing) per task,
    and why the misses missed."""

    texts: list[str | None]
    misses: collections.Counter[str]


async def serve(command: Sequence[str], cwd: Path, placed: Sequence[Placed]) -> Served:
    """Ask `fillin serve` (run as `command` in `cwd`) for a suggestion at every placed cursor,
    one document at a time, as an editor does."""
    current = [""]

    def reply(_: RecordedRequest) -> list[str]:
        text = current[0]
        return [text[i : i + PIECE_CHARS] for i in range(0, len(text), PIECE_CHARS)]

    served = Served([], collections.Counter())
    with ModelServer(reply) as model_server, tempfile.TemporaryDirectory() as tmp:
        options = {
            "model": {"backend": "openai", "url": f"{model_server.url}/v1", "name": "bench"},
            "index": {"enabled": False, "directory": tmp},
        }
        client = LanguageClient("bench", "1")
        await client.start_io(*command, cwd=str(cwd), env=environment_for(cwd))
        await client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(), initialization_options=options
            )
        )
        client.initialized(types.InitializedParams())
        for index, task in enumerate(placed):
            current[0] = task.reply
            uri = (Path(tmp) / f"task_{index}.py").as_uri()
            client.text_document_did_open(
                types.DidOpenTextDocumentParams(
                    types.TextDocumentItem(uri=uri, language_id="python", version=1, text=task.text)
                )
            )
            result = await client.text_document_inline_completion_async(
                types.InlineCompletionParams(
                    text_document=types.TextDocumentIdentifier(uri=uri),
                    position=task.position,
                    context=types.InlineCompletionContext(
                        trigger_kind=types.InlineCompletionTriggerKind.Invoked
                    ),
                )
            )
            client.text_document_did_close(
                types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri))
            )
            items = result.items if isinstance(result, types.InlineCompletionList) else result
            text = items[0].insert_text if items else None
            served.texts.append(text if isinstance(text, str) else None)
            if text != task.truth:
                served.misses[_miss(task, text)] += 1
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    return served


def _miss(task: Placed, text: str | object) -> str:
    """A short name for how a suggestion missed its truth."""
    if not isinstance(text, str):
        return "nothing (rejected or empty)"
    if text.rstrip() == task.truth.rstrip():
        return "right lines, wrong final break or indentation"
    if task.truth.startswith(text):
        return "cut short"
    if text.startswith(task.truth):
        return "too long"
    return "other text"


def alone(task: Placed, is_before_text: bool) -> bool:
    """The post-processor alone, its mode forced, gives the truth back."""
    ctx = StopContext(
        task.text[: task.offset],
        task.text[task.offset :],
        "python",
        True,
        (),
        CompletionSettings().max_lines,
        is_before_text=is_before_text,
    )
    output = task.reply
    pieces = [output[i : i + PIECE_CHARS] for i in range(0, len(output), PIECE_CHARS)]
    return postprocess(ctx, pieces).text == task.truth


def _pct(hits: int, n: int) -> str:
    return f"{100 * hits / n:5.1f}%" if n else "    -"


async def run(sets: dict[str, list[Task]], baseline: str | None) -> None:
    command = [sys.executable, "-m", "lsp_server", "serve", "--log-level", "error"]
    with tempfile.TemporaryDirectory() as tmp:
        servers: dict[str, Path] = {"fillin serve": REPO}
        if baseline is not None:
            commit = extract_baseline(baseline, Path(tmp))
            servers[f"today ({commit[:7]})"] = Path(tmp)
        header = f"{'set':<13}{'placement':<21}{'n':>5}"
        header += "".join(f"{name:>22}" for name in servers) + f"{'post-processor alone*':>23}"
        print(header)
        misses: dict[str, collections.Counter[str]] = {}
        for set_name, tasks in sets.items():
            for placement, place in PLACEMENTS.items():
                placed = [p for p in map(place, tasks) if p is not None]
                row = f"{set_name:<13}{placement:<21}{len(placed):>5}"
                for name, cwd in servers.items():
                    started = time.perf_counter()
                    served = await serve(command, cwd, placed)
                    hits = sum(t == p.truth for t, p in zip(served.texts, placed, strict=True))
                    per_ms = (time.perf_counter() - started) * 1000 / max(1, len(placed))
                    row += f"{_pct(hits, len(placed)):>13} {per_ms:4.0f} ms/req"
                    misses.setdefault(name, collections.Counter()).update(served.misses)
                unit = sum(alone(p, placement in BEFORE_CODE) for p in placed)
                print(row + f"{_pct(unit, len(placed)):>23}", flush=True)
    print(
        "* bypasses the line mode, prompt, backend and validation: StreamFilter + finish with"
        " the mode forced (multi-line; lines before text for the placements before code)"
    )
    for name, counter in misses.items():
        described = ", ".join(f"{reason} {n}" for reason, n in counter.most_common())
        print(f"misses through {name}: {described or 'none'}")
    print(
        "targets: before code >= 95% single-line, >= 85% multi-line (HumanEval, through the"
        " server); blank and indented lines no worse than today"
    )


def main() -> None:
    """Print exact match per set and placement, for each server and the post-processor."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small sample of each set")
    parser.add_argument(
        "--baseline",
        default=BASELINE,
        help="the commit whose server is today's behaviour (`none`: skip it)",
    )
    args = parser.parse_args()
    every_single, every_multi, n_holes = (20, 100, 30) if args.quick else (4, 25, 200)
    sets = {
        "single-line": humaneval("SingleLine", every_single),
        "multi-line": humaneval("MultiLine", every_multi),
        "packages": package_holes("multi", n_holes),
    }
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"exact match, placement by placement; machine: {os.cpu_count()} cores, load {load}")
    asyncio.run(run(sets, None if args.baseline == "none" else args.baseline))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average at the end: {load}")


if __name__ == "__main__":
    main()
