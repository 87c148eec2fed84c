"""Suggestions at typing speed on a local model: typing sessions through `fillin serve`.

Each session drives a real `fillin serve` over stdio as an editor does, on a hole cut in a
real tree that fillin's tests and the other benchmarks do not use (copies of the `click`
and `anyio` packages installed here, under `.bench/typing/`, indexed as workspace folders):

1. open the file (the hole's line holds only its indentation), with the cursor placed at
   the hole: as fillin's clients do, the session sends `fillin/didChangeCursor` once the
   clients' debounce has passed (configurations other than `today`);
2. pause 2 s, as a person reads, then ask for the first inline suggestion;
3. type the hidden text's next 6 characters, an inline request per keystroke;
4. ask for the completion item and the inline suggestion at one position, together;
5. type the first character of the shown suggestion, and ask again.

Configurations, measured in the same run on the same holes:

- `today`: the llama.cpp server (xllamacpp with the SmolLM2 GGUF, FIM tokens declared, as
  the tests use) with `backend = "llamacpp"` and the behaviour before issue 9 switched
  back on through settings: no warm-up (`completion.warmUp = false`), the fixed budget
  (`model.latencyTargetMs = 0`), no suggestion cache (`completion.cache = false`) and the
  5 s deadline for the first piece (`model.firstTokenTimeoutMs = 5000`);
- `llamacpp`: the same server with default settings;
- `embedded`: default settings with no model configured (the embedded SmolLM2).

`llamacpp` and `embedded` run once more for a client that does not report the cursor (a
plain LSP client), measuring only the first suggestion after the pause: the row below the
first suggestion's. Every pass gets a fresh llama.cpp server, so no pass is served from
prompts that an earlier pass left in its cache (llama.cpp keeps prompts in host memory).

Costs come from the server's own debug log (`context.pipeline` lines: prompt tokens
evaluated as llama.cpp's `timings` report them, answers from the cache); model calls are
the answers that log says came from the model. Failures are error responses and the
warnings or errors the server shows (counted in its log, since `window/showMessage` is
rate-limited). The prompt layout of issue 9 (anchored prefix window, parts sized in steps
of the cursor line's growth, cursor line last, and the server's FIM layout, read from its
`/infill` answer, rendered by fillin for `/completion`) is not switchable and applies to
`today` too.

`today` spends about 5 s on every request (its first-token deadline), so it runs the first
20 holes of the 40 (`--today-holes`; the same holes, in the same order, as the others' first
20). The full run then takes about half an hour on a quiet 2-core machine and over an hour
under a load of 5 to 7 (both estimated from 6-hole runs); the total is printed at the end.

Usage: `python -m benchmarks.bench_typing [--quick] [--holes N] [--only NAME]
[--today-holes N] [--log-dir DIR]`; `--log-dir` keeps each configuration's server log and
a line per request (hole, step, milliseconds, prompt tokens evaluated) in `NAME.steps.tsv`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from benchmarks.holes import Hole, package_dir, sample_holes

PACKAGES = ("click", "anyio")
WORK = Path(__file__).resolve().parents[1] / ".bench" / "typing"
PAUSE_S = 2.0
# `today` spends about 5 s on each request (its first-token deadline), 45 s a session:
# the first 20 holes keep the full run near half an hour.
TODAY_HOLES = 20
CURSOR_DEBOUNCE_S = 0.15
"""How long fillin's clients wait for the cursor to rest before reporting it."""
N_TYPED = 6
TODAY = {
    "completion": {"warmUp": False, "cache": False},
    "model": {"latencyTargetMs": 0, "firstTokenTimeoutMs": 5000},
}
_ANSWER = re.compile(
    r"context\.pipeline: answer from the (model|warm-up): \d+ prompt tokens "
    r"\(budget \d+\), (\d+) evaluated"
)
_CACHED = re.compile(r"context\.pipeline: answer from the suggestion cache")
# Every message the server shows is logged first, rate-limited or not.
_SHOWN = re.compile(r" (WARNING|ERROR) lsp_server\.notices: ")


@dataclass
class Figures:
    """What one configuration's sessions measured."""

    first_s: list[float] = field(default_factory=list)
    first_silent_s: list[float] = field(default_factory=list)
    """The first suggestion for a client that does not report the cursor."""
    keystroke_s: list[float] = field(default_factory=list)
    evaluated: list[int] = field(default_factory=list)
    pair_calls: list[int] = field(default_factory=list)
    through_calls: list[int] = field(default_factory=list)
    through_unchanged: list[bool] = field(default_factory=list)
    n_failed: int = 0
    n_requests: int = 0
    steps: list[str] = field(default_factory=list)
    """One tab-separated line per request: hole, step, milliseconds, tokens evaluated."""


def main() -> None:
    """Run the sessions and print the targets table."""
    parser = argparse.ArgumentParser(prog="bench_typing", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="6 holes instead of 40")
    parser.add_argument("--holes", type=int, default=0, help="holes per configuration")
    parser.add_argument(
        "--only", choices=("today", "llamacpp", "embedded"), action="append", help="configuration"
    )
    parser.add_argument(
        "--today-holes",
        type=int,
        default=TODAY_HOLES,
        help=f"the first N holes for `today` (default {TODAY_HOLES}; 0: all)",
    )
    parser.add_argument("--log-dir", type=Path, help="keep each server's debug log there")
    args = parser.parse_args()
    n_holes = args.holes or (6 if args.quick else 40)
    asyncio.run(_run(n_holes, args.only or [], args.log_dir, args.today_holes))


async def _run(
    n_holes: int, only: list[str], log_dir: Path | None, n_today_holes: int = TODAY_HOLES
) -> None:
    from context.backends.embedded import EmbeddedServer
    from context.backends.model_files import default_model_path, fim_patched_copy
    from context.settings import ModelSettings

    run_started = time.perf_counter()
    roots = [_tree(name) for name in PACKAGES]
    files = sorted(p for root in roots for p in root.rglob("*.py"))
    holes = sample_holes("single", n_holes, seed=9, files=files)
    print(f"holes: {len(holes)} single-line holes in {', '.join(PACKAGES)} ({len(files)} files)")
    print("load average at the start: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    # Each pass gets a fresh llama.cpp server: its prompt cache in host memory
    # (`cache_ram_mib`) would otherwise hand one pass the prompts of an earlier pass on the
    # same holes. Passes with no `url` start their own (the embedded default). `today` runs
    # last: llama.cpp goes on evaluating the prompts of requests that timed out.
    passes: list[tuple[str, dict[str, Any], bool]] = [
        ("llamacpp", {"model": {"backend": "llamacpp"}}, True),
        ("llamacpp", {"model": {"backend": "llamacpp"}}, False),
        ("embedded", {}, True),
        ("embedded", {}, False),
        ("today", _merged({"model": {"backend": "llamacpp"}}, TODAY), False),
    ]
    results: dict[str, Figures] = {}
    counts: dict[str, int] = {}
    for name, options, sends_cursor in passes:
        if only and name not in only:
            continue
        started = time.perf_counter()
        # The pass of a client that does not report the cursor measures the first
        # suggestion only.
        first_only = name != "today" and not sends_cursor
        kept = log_dir / f"{name}.log" if log_dir is not None and not first_only else None
        sessions = holes[:n_today_holes] if name == "today" and n_today_holes else holes
        server = None
        if options.get("model", {}).get("backend") == "llamacpp":
            server = EmbeddedServer(
                fim_patched_copy(default_model_path()), ModelSettings(context_size=4096, threads=2)
            )
            url = await asyncio.to_thread(server.start)
            options = _merged(options, {"model": {"url": url}})
        try:
            figures = await _sessions(
                options, roots, sessions, kept, sends_cursor=sends_cursor, first_only=first_only
            )
        finally:
            if server is not None:
                await asyncio.to_thread(server.stop)
        what = "first suggestions, silent client" if first_only else "sessions"
        print(f"  {name}: {len(sessions)} {what} in {time.perf_counter() - started:.0f} s")
        if first_only:
            results[name].first_silent_s = figures.first_s
        else:
            results[name] = figures
            counts[name] = len(sessions)
            if log_dir is not None:
                (log_dir / f"{name}.steps.tsv").write_text("\n".join(figures.steps) + "\n")
    # Each column says how many sessions it measured (`today` may have fewer).
    _print_table([(f"{name} ({counts[name]})", figures) for name, figures in results.items()])
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load}")
    print(f"run: {(time.perf_counter() - run_started) / 60:.1f} min")


def _merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = {k: dict(v) for k, v in base.items()}
    for key, value in extra.items():
        out.setdefault(key, {}).update(value)
    return out


def _tree(name: str) -> Path:
    """A copy of an installed package, the package folder under the returned root."""
    source = package_dir(name)
    if source is None:
        raise SystemExit(f"bench_typing: the {name} package is not installed (pip install {name})")
    root = WORK / name
    if not (root / name).is_dir():
        shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return root


async def _sessions(
    options: dict[str, Any],
    roots: list[Path],
    holes: list[Hole],
    kept: Path | None,
    *,
    sends_cursor: bool = False,
    first_only: bool = False,
) -> Figures:
    """One `fillin serve` for all the sessions of one configuration; `sends_cursor`: the
    client reports the cursor as fillin's clients do; `first_only`: each session stops
    after the first suggestion."""
    figures = Figures()
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "serve.log"
        settings = _merged(options, {"index": {"directory": tmp}})
        command = f"exec {sys.executable} -m lsp_server serve --log-level debug 2>>{log_path}"
        client = LanguageClient("bench-typing", "1")
        failures: list[str] = []

        @client.feature(types.WINDOW_SHOW_MESSAGE)
        def show_message(params: types.ShowMessageParams) -> None:
            if params.type in (types.MessageType.Error, types.MessageType.Warning):
                failures.append(params.message)

        @client.feature(types.WINDOW_LOG_MESSAGE)
        def log_message(params: types.LogMessageParams) -> None:
            """The same lines go to the log file that the benchmark reads."""

        @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def progress_create(params: types.WorkDoneProgressCreateParams) -> None:
            """Indexing progress: accepted, not shown."""

        await client.start_io("sh", "-c", command)
        await client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(
                    experimental={"fillin": {"didChangeCursor": True}} if sends_cursor else None
                ),
                initialization_options=settings,
                workspace_folders=[
                    types.WorkspaceFolder(uri=root.as_uri(), name=root.name) for root in roots
                ],
            )
        )
        client.initialized(types.InitializedParams())
        log = _Log(log_path)
        for hole in holes:
            await _session(client, hole, figures, log, sends_cursor, first_only)
        # Shown messages are counted from the log (each is logged, even when the notice
        # is rate-limited); `failures` only backs that count up.
        figures.n_failed = max(figures.n_failed, len(failures))
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
        if kept is not None:
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(log_path, kept)
    return figures


class _Log:
    """The server's debug log, read as it grows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def new_lines(self) -> list[str]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8", errors="replace") as f:
            f.seek(self.offset)
            text = f.read()
            self.offset = f.tell()
        return text.splitlines()


@dataclass
class _Step:
    n_calls: int
    evaluated: list[int]
    n_shown: int


def _step(log: _Log) -> _Step:
    """The model calls (and their evaluated prompt tokens) the log shows since last asked."""
    evaluated: list[int] = []
    n_cached = n_shown = 0
    for line in log.new_lines():
        if (match := _ANSWER.search(line)) is not None:
            evaluated.append(int(match.group(2)))
        elif _CACHED.search(line):
            n_cached += 1
        elif _SHOWN.search(line):
            n_shown += 1
    # A request that failed was a model call too.
    return _Step(len(evaluated) + n_shown, evaluated + [0] * n_cached, n_shown)


async def _session(
    client: LanguageClient,
    hole: Hole,
    figures: Figures,
    log: _Log,
    sends_cursor: bool = False,
    first_only: bool = False,
) -> None:
    indent = hole.middle[: len(hole.middle) - len(hole.middle.lstrip())]
    typed_text = hole.middle[len(indent) :][:N_TYPED]
    text = hole.prefix + indent + "\n" + hole.suffix
    uri = hole.path.as_uri()
    line_idx = hole.prefix.count("\n")
    column = len(indent)
    version = 1
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=version, text=text
            )
        )
    )
    if sends_cursor:
        await asyncio.sleep(CURSOR_DEBOUNCE_S)
        client.protocol.notify(
            "fillin/didChangeCursor",
            {
                "textDocument": {"uri": uri, "version": version},
                "position": {"line": line_idx, "character": column},
            },
        )
    await asyncio.sleep(PAUSE_S - (CURSOR_DEBOUNCE_S if sends_cursor else 0))
    log.new_lines()

    async def inline() -> tuple[float, str | None]:
        started = time.perf_counter()
        figures.n_requests += 1
        try:
            result = await client.text_document_inline_completion_async(
                _inline_params(uri, line_idx, column)
            )
        except Exception:
            figures.n_failed += 1
            return time.perf_counter() - started, None
        items = result.items if isinstance(result, types.InlineCompletionList) else result or []
        shown = items[0].insert_text if items else None
        return time.perf_counter() - started, shown if isinstance(shown, str) else None

    where = f"{hole.path.name}:{line_idx + 1}"
    elapsed, shown = await inline()
    figures.first_s.append(elapsed)
    step = _step(log)
    figures.steps.append(f"{where}\tfirst\t{elapsed * 1000:.0f}\t{step.evaluated[:1]}")
    figures.n_failed += step.n_shown
    if first_only:
        _close(client, uri)
        return
    for n_typed, ch in enumerate(typed_text, 1):
        version += 1
        _insert(client, uri, version, line_idx, column, ch)
        column += 1
        elapsed, shown = await inline()
        step = _step(log)
        figures.keystroke_s.append(elapsed)
        figures.evaluated.extend(step.evaluated[:1])
        figures.steps.append(f"{where}\tkey {n_typed}\t{elapsed * 1000:.0f}\t{step.evaluated[:1]}")
        figures.n_failed += step.n_shown

    # The completion item and the inline suggestion at one position.
    figures.n_requests += 1
    pair = await asyncio.gather(
        inline(),
        client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=line_idx, character=column),
            )
        ),
        return_exceptions=True,
    )
    figures.n_failed += sum(isinstance(p, BaseException) for p in pair)
    first = pair[0]
    shown = first[1] if isinstance(first, tuple) else None
    step = _step(log)
    figures.pair_calls.append(step.n_calls)
    figures.n_failed += step.n_shown

    # Typing the first character of the shown suggestion.
    if shown:
        version += 1
        _insert(client, uri, version, line_idx, column, shown[0])
        column += 1
        _, rest = await inline()
        step = _step(log)
        figures.through_calls.append(step.n_calls)
        figures.n_failed += step.n_shown
        figures.through_unchanged.append(rest == shown[1:] or (rest is None and len(shown) == 1))
    _close(client, uri)


def _close(client: LanguageClient, uri: str) -> None:
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


def _insert(
    client: LanguageClient, uri: str, version: int, line_idx: int, column: int, text: str
) -> None:
    at = types.Position(line=line_idx, character=column)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=at, end=at), text=text
                )
            ],
        )
    )


def _inline_params(uri: str, line_idx: int, column: int) -> types.InlineCompletionParams:
    return types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line_idx, character=column),
        context=types.InlineCompletionContext(
            trigger_kind=types.InlineCompletionTriggerKind.Automatic
        ),
    )


def _print_table(results: Sequence[tuple[str, Figures]]) -> None:
    names = [name for name, _ in results]
    rows: list[tuple[str, str, list[str]]] = [
        (
            "first suggestion after the pause, p50",
            "<= 1.5 s",
            [_s(_pct(f.first_s, 50)) for _, f in results],
        ),
        (
            "  ... for a client that does not report the cursor",
            "-",
            [_s(_pct(f.first_silent_s, 50)) for _, f in results],
        ),
        (
            "requests that fail or show an error",
            "0",
            [f"{f.n_failed} of {f.n_requests}" for _, f in results],
        ),
        ("keystroke latency p50", "<= 250 ms", [_s(_pct(f.keystroke_s, 50)) for _, f in results]),
        ("keystroke latency p95", "<= 800 ms", [_s(_pct(f.keystroke_s, 95)) for _, f in results]),
        (
            "prompt tokens evaluated per keystroke, median",
            "<= 8",
            [_num(statistics.median(f.evaluated)) if f.evaluated else "-" for _, f in results],
        ),
        (
            "model calls, item + inline at one position, mean",
            "1 (or 0)",
            [_mean(f.pair_calls) for _, f in results],
        ),
        (
            "model calls, typing through a shown suggestion",
            "0",
            [_mean(f.through_calls) for _, f in results],
        ),
        (
            "rest of the suggestion returned unchanged",
            "all",
            [f"{sum(f.through_unchanged)} of {len(f.through_unchanged)}" for _, f in results],
        ),
    ]
    width = max(len(r[0]) for r in rows) + 2
    print(f"{'measure':<{width}}{'target':>12}" + "".join(f"{n:>16}" for n in names))
    for measure, target, values in rows:
        print(f"{measure:<{width}}{target:>12}" + "".join(f"{v:>16}" for v in values))


def _pct(values: Sequence[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def _s(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _num(value: float) -> str:
    return f"{value:.0f}"


def _mean(values: Sequence[int]) -> str:
    return f"{statistics.mean(values):.2f}" if values else "-"


if __name__ == "__main__":
    main()
