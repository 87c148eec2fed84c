"""`fillin/context` on the next keystroke through `fillin serve`, beside the code on main.

What an editor meets while the user types: a real `fillin serve` over stdio, driven by a
pygls client as an editor drives it, with default settings and a 2,048-token budget. The
workspace folder is indexed first (the benchmark waits for the work-done progress to end);
then, at each hole of `bench_recall` (the cursor before the first cross-file name of a line,
the rest of the line removed), the document is opened and `fillin/context` asked once (the
first request, not counted); then the hidden text's first characters are typed one at a
time, each a `textDocument/didChange` followed at once by `fillin/context`. The time from
sending the change to the context's answer is one "next keystroke": it holds the change's
handling (the incremental re-parse and the index update), retrieval, prompt assembly,
redaction and the JSON-RPC round trip. The target is p95 <= 30 ms.

Baseline, same run: the code on main before this branch (the merge base of HEAD and
`main`), or `--baseline REF`, unpacked by `bench_recall.baseline_source` and served the
same way on the same holes; the two servers run one after the other per corpus, so they
meet the same load. The load average is printed at the start and the end.

Corpora: `bench_recall`'s, one per language by default (`--only` picks others by label).

Usage: `python -m benchmarks.bench_keystroke [--quick] [--holes N] [--keys N] [--only L,..]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from benchmarks.bench_recall import (
    BUDGET,
    CORPORA,
    REPO_ROOT,
    WORK,
    Hole,
    baseline_source,
    corpus_root,
    find_holes,
    open_hole,
    percentile,
    started_client,
)
from context.settings import IndexSettings
from context.workspace import Workspace

DEFAULT_CORPORA = (
    "py:rich",
    "ts:zod",
    "go:testify",
    "rust:serde_json",
    "js:express",
    "java:sql",
    "cpp:nlohmann",
)
"""One corpus per language, with the biggest files and types of each (zod's `types.ts`)."""


async def keystrokes(
    command: Sequence[str],
    env: dict[str, str],
    cwd: Path,
    root: Path,
    index_dir: Path,
    holes: Sequence[Hole],
    n_keys: int,
) -> list[float]:
    """The next-keystroke round trips (ms) of one `fillin serve` over `holes`."""
    client = await started_client(command, env, cwd, root, index_dir)
    found: list[float] = []
    for hole in holes:
        uri, character = open_hole(client, root, hole)
        await _context(client, uri, hole.line_idx, character)
        for version, typed in enumerate((hole.hidden[:n_keys] or " ")[:n_keys], start=2):
            position = types.Position(hole.line_idx, character)
            started = time.perf_counter()
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[
                        types.TextDocumentContentChangePartial(
                            range=types.Range(start=position, end=position), text=typed
                        )
                    ],
                )
            )
            character += len(typed.encode("utf-16-le")) // 2
            await _context(client, uri, hole.line_idx, character)
            found.append((time.perf_counter() - started) * 1000)
        client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return found


async def _context(client: LanguageClient, uri: str, line: int, character: int) -> Any:
    return await client.protocol.send_request_async(
        "fillin/context",
        {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}},
    )


def main() -> None:
    """Print the next keystroke's p50 and p95 per corpus and in all, main's and this branch's."""
    parser = argparse.ArgumentParser(prog="bench_keystroke", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="15 holes per corpus")
    parser.add_argument("--holes", type=int, default=0, help="holes per corpus (default 40)")
    parser.add_argument("--keys", type=int, default=3, help="characters typed per hole")
    parser.add_argument("--only", default="", help="corpus labels, comma-separated")
    parser.add_argument("--baseline", default="", help="the baseline's commit")
    args = parser.parse_args()
    n_holes = args.holes or (15 if args.quick else 40)
    labels = tuple(args.only.split(",")) if args.only else DEFAULT_CORPORA
    asyncio.run(_run(n_holes, args.keys, labels, args.baseline))


async def _run(n_holes: int, n_keys: int, labels: Sequence[str], baseline_ref: str) -> None:
    baseline = baseline_source(baseline_ref)
    command = [sys.executable, "-m", "lsp_server", "serve", "--log-level", "error"]
    servers = {"main": baseline, "branch": REPO_ROOT}
    print(
        f"fillin/context on the next keystroke through fillin serve, {BUDGET} tokens, "
        f"<= {n_holes} holes x {n_keys} keys per corpus, load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        flush=True,
    )
    totals: dict[str, list[float]] = {name: [] for name in servers}
    for corpus in CORPORA:
        if corpus.label not in labels:
            continue
        root = corpus_root(corpus)
        if root is None:
            print(f"  {corpus.label:<18} unavailable; skipped", flush=True)
            continue
        workspace = Workspace(root, IndexSettings(directory=str(WORK / "index" / "branch")))
        workspace.refresh()
        holes = find_holes(workspace.store, root, corpus.language, n_holes)
        workspace.close()
        cells = []
        for name, source in servers.items():
            env = {**os.environ, "PYTHONPATH": str(source)}
            index_dir = WORK / "index" / name
            found = await keystrokes(command, env, source, root, index_dir, holes, n_keys)
            totals[name].extend(found)
            p50, p95 = percentile(found, 0.5), percentile(found, 0.95)
            cells.append(f"{name} p50={p50:6.1f} p95={p95:6.1f}")
        print(f"  {corpus.label:<18} {len(holes):>3} holes  " + "   ".join(cells), flush=True)
    for name, found in totals.items():
        print(
            f"  {name}: next keystroke p50={percentile(found, 0.5):.1f} ms "
            f"p95={percentile(found, 0.95):.1f} ms over {len(found)} keystrokes "
            "(target p95 <= 30 ms)",
            flush=True,
        )
    print(f"  load average at the end {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
