"""Server overhead and cold start of `fillin serve`, beside a bare pygls server.

- Overhead: the time from sending `textDocument/inlineCompletion` to receiving its response,
  over many requests at different positions of a 2,000-line Python file, with a zero-latency
  model server (the loopback stand-in from tests/modelserver.py, which replies at once).
  Targets: p50 <= 10 ms, p95 <= 25 ms.
- Cold start: the time from starting the server process to receiving the `initialize`
  result. Target: <= 400 ms.

Baseline, measured in the same run: a bare pygls server (this module with `--echo-server`)
that answers every inline completion with a fixed item; its round trip and cold start are
the floor that pygls, JSON-RPC and process start-up set.

Usage: `python -m benchmarks.bench_server [--quick] [--requests N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from tests.modelserver import ModelServer

FILL_REPLY = "return 0\n"
N_LINES = 2_000


def main() -> None:
    """Run the benchmark and print its numbers."""
    parser = argparse.ArgumentParser(prog="bench_server", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer requests and starts")
    parser.add_argument("--requests", type=int, default=0, help="requests to time")
    parser.add_argument("--echo-server", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.echo_server:
        _serve_echo()
        return
    n_requests = args.requests or (200 if args.quick else 500)
    n_starts = 3 if args.quick else 10
    asyncio.run(_run(n_requests, n_starts))


async def _run(n_requests: int, n_starts: int) -> None:
    fillin = [sys.executable, "-m", "lsp_server", "serve", "--log-level", "warning"]
    echo = [sys.executable, "-m", "benchmarks.bench_server", "--echo-server"]
    with ModelServer([FILL_REPLY]) as model_server, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big_module.py"
        text = _python_file(N_LINES)
        path.write_text(text, encoding="utf-8")
        # No workspace folder, so no repository index; statistics go to the temporary directory.
        options = {
            "model": {"backend": "openai", "url": f"{model_server.url}/v1", "name": "bench"},
            "index": {"enabled": False, "directory": tmp},
        }
        print(
            f"file: {N_LINES} lines, {path.stat().st_size / 1024:.0f} KiB; requests: {n_requests}"
        )
        rows = []
        for name, command in (("bare pygls (baseline)", echo), ("fillin serve", fillin)):
            starts = [await _cold_start(command, options) for _ in range(n_starts)]
            latencies = await _round_trips(command, options, path, text, n_requests)
            rows.append((name, starts, latencies))
        served = len(model_server.completion_requests)
    print(f"{'server':<24}{'cold start p50':>16}{'overhead p50':>14}{'p95':>9}{'max':>9}")
    for name, starts, latencies in rows:
        print(
            f"{name:<24}{_ms(statistics.median(starts)):>16}{_ms(_pct(latencies, 50)):>14}"
            f"{_ms(_pct(latencies, 95)):>9}{_ms(max(latencies)):>9}"
        )
    print(f"model server requests answered: {served}")
    print("targets: overhead p50 <= 10 ms, p95 <= 25 ms; cold start <= 400 ms")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load}")


async def _cold_start(command: Sequence[str], options: dict[str, object]) -> float:
    """Seconds from spawning the server to its initialize result."""
    client = LanguageClient("bench", "1")
    started = time.perf_counter()
    await client.start_io(*command)
    await client.initialize_async(_initialize_params(options))
    elapsed = time.perf_counter() - started
    await _stop(client)
    return elapsed


async def _round_trips(
    command: Sequence[str], options: dict[str, object], path: Path, text: str, n_requests: int
) -> list[float]:
    """Seconds per inline completion round trip, at positions spread over the file."""
    client = LanguageClient("bench", "1")
    await client.start_io(*command)
    await client.initialize_async(_initialize_params(options))
    client.initialized(types.InitializedParams())
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text
            )
        )
    )
    lines = text.split("\n")
    # Cursors at the end of body lines, spread evenly through the file.
    body_lines = [i for i, line in enumerate(lines) if line.startswith("    ")]
    step = max(1, len(body_lines) // n_requests)
    cursors = [(i, len(lines[i])) for i in body_lines[::step]][:n_requests]
    while len(cursors) < n_requests:
        cursors.extend(cursors[: n_requests - len(cursors)])
    for line_idx, character in cursors[:10]:  # Warm-up: connections, caches, the tokenizer.
        await _complete(client, uri, line_idx, character)
    latencies = []
    for line_idx, character in cursors:
        started = time.perf_counter()
        await _complete(client, uri, line_idx, character)
        latencies.append(time.perf_counter() - started)
    await _stop(client)
    return latencies


async def _complete(client: LanguageClient, uri: str, line_idx: int, character: int) -> None:
    result = await client.text_document_inline_completion_async(
        types.InlineCompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line_idx, character=character),
            context=types.InlineCompletionContext(
                trigger_kind=types.InlineCompletionTriggerKind.Automatic
            ),
        )
    )
    if result is None:
        raise RuntimeError("the server answered an inline completion with null")


def _initialize_params(options: dict[str, object]) -> types.InitializeParams:
    return types.InitializeParams(
        capabilities=types.ClientCapabilities(), initialization_options=options
    )


async def _stop(client: LanguageClient) -> None:
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


def _python_file(n_lines: int) -> str:
    """A plausible Python module of `n_lines` lines: small classes and functions."""
    out = ['"""A generated module for benchmarking."""', "", "import math", ""]
    idx = 0
    while len(out) < n_lines:
        out += [
            "",
            f"class Shape{idx}:",
            f'    """Shape number {idx}."""',
            "",
            "    def __init__(self, width: float, height: float) -> None:",
            "        self.width = width",
            "        self.height = height",
            "",
            "    def area(self) -> float:",
            "        return self.width * self.height",
            "",
            "",
            f"def scaled_area_{idx}(shape: Shape{idx}, factor: float) -> float:",
            "    total = shape.area() * factor",
            "    return math.floor(total)",
        ]
        idx += 1
    return "\n".join(out[:n_lines]) + "\n"


def _pct(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _serve_echo() -> None:
    """A bare pygls server answering every inline completion with one fixed item."""
    from pygls.lsp.server import LanguageServer

    server = LanguageServer("echo", "1")

    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
    async def inline_completion(
        ls: LanguageServer, params: types.InlineCompletionParams
    ) -> types.InlineCompletionList:
        """Answer at once with a fixed item."""
        return types.InlineCompletionList(items=[types.InlineCompletionItem(insert_text="0")])

    server.start_io()


if __name__ == "__main__":
    main()
