"""Fault and load soak of `fillin serve`: many requests, bad ones mixed in, as an editor sends.

A real `fillin serve` (default settings, the openai backend pointed at the loopback
stand-in model server from tests/modelserver.py, which replies at once) takes N requests
in turn, cycling through these kinds:

- `complete`: an inline completion at a cursor of a 300-line Python file on disk;
- `complete-out-of-range`: an inline completion past the end of the document;
- `validate-crafted`: `fillin/validate` of a 4.8 KB `for f for f ...` line (the old freeze);
- `context`: `fillin/context` at a cursor;
- `bad-params`: `fillin/validate` with a negative line (pygls used to drop it unanswered);
- `unknown-uri`: `fillin/context` for a document that is neither open nor on disk.

Each request must be answered (a result or a JSON-RPC error) within `DEADLINE_S`. The
server process's resident memory, open file descriptors and threads are read from /proc
after a warm-up (the baseline, same run) and at the end; the soak passes when RSS grows
by at most 10% and descriptors and threads do not grow. The fixture file's hash and mtime
are compared before and after: fillin must never write it. Leaked asyncio tasks cannot be
seen from outside the process, so tasks are not counted here; threads and descriptors are.

Backend faults (refused, timeout, HTTP errors, malformed SSE/JSON, endless stream, endless
line, huge answer, dropped connection, slow first byte) are the fast tests in
tests/context/backends/; this benchmark is the slow, long-running part.

Usage: `python -m benchmarks.bench_faults [--quick] [--requests N]` (default 10,000;
`--quick` 500).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.client import LanguageClient

from tests.modelserver import ModelServer

DEADLINE_S = 10.0
N_LINES = 300
Kind = Callable[[LanguageClient, str], Awaitable[Any]]


def main() -> None:
    """Run the soak and print its table."""
    parser = argparse.ArgumentParser(prog="bench_faults", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="500 requests")
    parser.add_argument("--requests", type=int, default=0, help="requests to send")
    args = parser.parse_args()
    n_requests = args.requests or (500 if args.quick else 10_000)
    ok = asyncio.run(_run(n_requests))
    sys.exit(0 if ok else 1)


async def _run(n_requests: int) -> bool:
    with ModelServer(["return 0\n"]) as model_server, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "module.py"
        path.write_text(_python_file(N_LINES), encoding="utf-8")
        before = _fingerprint(path)
        options = {
            "model": {"backend": "openai", "url": f"{model_server.url}/v1", "name": "soak"},
            "index": {"enabled": False, "directory": tmp},
        }
        client = LanguageClient("bench", "1")
        await client.start_io(sys.executable, "-m", "lsp_server", "serve", "--log-level", "error")
        assert client._server is not None
        pid = client._server.pid
        await client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(), initialization_options=options
            )
        )
        client.initialized(types.InitializedParams())
        uri = path.as_uri()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=path.read_text()
                )
            )
        )
        kinds = _kinds()
        names = sorted(kinds)
        tried: Counter[str] = Counter()
        answered: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        late: Counter[str] = Counter()
        slowest: dict[str, float] = {}
        warm_up = max(20, n_requests // 10)
        baseline: dict[str, int] = {}
        started_all = time.perf_counter()
        for idx in range(n_requests):
            if idx == warm_up:
                baseline = _process(pid)
            name = names[idx % len(names)]
            tried[name] += 1
            started = time.perf_counter()
            try:
                await asyncio.wait_for(kinds[name](client, uri), DEADLINE_S)
                answered[name] += 1
            except JsonRpcException:
                answered[name] += 1
                errors[name] += 1
            except TimeoutError:
                late[name] += 1
            elapsed = time.perf_counter() - started
            slowest[name] = max(slowest.get(name, 0.0), elapsed)
            if os.environ.get("SOAK_TRACE"):
                print(idx, name, f"{elapsed * 1000:.0f} ms", flush=True)
        total_s = time.perf_counter() - started_all
        end = _process(pid)
        alive = client._server.returncode is None
        shutdown_s = time.perf_counter()
        stage = "shutdown"
        try:
            await asyncio.wait_for(client.shutdown_async(None), DEADLINE_S)
            stage = "exit"
            client.exit(None)
            await asyncio.wait_for(client.stop(), DEADLINE_S)
            is_stopped = True
        except TimeoutError:
            is_stopped = False
            print(f"the server did not finish `{stage}` within {DEADLINE_S:.0f} s")
            client._server.kill()
            await client._server.wait()
        shutdown_s = time.perf_counter() - shutdown_s
        after = _fingerprint(path)

    print(f"requests: {n_requests} in {total_s:.1f} s; deadline per request {DEADLINE_S:.0f} s")
    print(f"{'kind':<24}{'tried':>7}{'answered':>10}{'errors':>8}{'late':>6}{'slowest':>10}")
    for name in names:
        print(
            f"{name:<24}{tried[name]:>7}{answered[name]:>10}{errors[name]:>8}{late[name]:>6}"
            f"{slowest[name] * 1000:>8.0f}ms"
        )
    rss_growth = (end["rss_kib"] - baseline["rss_kib"]) / baseline["rss_kib"]
    print(
        f"server RSS after warm-up (baseline) {baseline['rss_kib'] / 1024:.1f} MiB, "
        f"at the end {end['rss_kib'] / 1024:.1f} MiB ({rss_growth:+.1%}; limit +10%)"
    )
    print(
        f"open fds {baseline['fds']} -> {end['fds']}, threads {baseline['threads']} -> "
        f"{end['threads']}; server alive at the end: {alive}; "
        f"fixture file unchanged: {before == after}; "
        f"clean shutdown: {is_stopped} ({shutdown_s:.1f} s)"
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load}")
    return (
        alive
        and is_stopped
        and before == after
        and sum(late.values()) == 0
        and sum(answered.values()) == n_requests
        and rss_growth <= 0.10
        and end["fds"] <= baseline["fds"]
        and end["threads"] <= baseline["threads"]
    )


def _kinds() -> dict[str, Kind]:
    crafted = "x = [" + "for f " * 800 + "]\n"

    async def complete(client: LanguageClient, uri: str) -> Any:
        return await _inline(client, uri, N_LINES // 2, 4)

    async def complete_out_of_range(client: LanguageClient, uri: str) -> Any:
        return await _inline(client, uri, N_LINES * 10, 0)

    async def validate_crafted(client: LanguageClient, uri: str) -> Any:
        params = _params(uri, 3, 0) | {"text": crafted + "f(1, 2)\n"}
        return await client.protocol.send_request_async("fillin/validate", params)

    async def context(client: LanguageClient, uri: str) -> Any:
        return await client.protocol.send_request_async("fillin/context", _params(uri, 10, 4))

    async def bad_params(client: LanguageClient, uri: str) -> Any:
        params = _params(uri, -1, 0) | {"text": "x\n"}
        return await client.protocol.send_request_async("fillin/validate", params)

    async def unknown_uri(client: LanguageClient, uri: str) -> Any:
        params = _params("file:///nowhere/missing.py", 0, 0)
        return await client.protocol.send_request_async("fillin/context", params)

    return {
        "complete": complete,
        "complete-out-of-range": complete_out_of_range,
        "validate-crafted": validate_crafted,
        "context": context,
        "bad-params": bad_params,
        "unknown-uri": unknown_uri,
    }


async def _inline(client: LanguageClient, uri: str, line: int, character: int) -> Any:
    return await client.text_document_inline_completion_async(
        types.InlineCompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=character),
            context=types.InlineCompletionContext(
                trigger_kind=types.InlineCompletionTriggerKind.Invoked
            ),
        )
    )


def _params(uri: str, line: int, character: int) -> dict[str, Any]:
    return {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}


def _process(pid: int) -> dict[str, int]:
    """Resident memory (KiB), open file descriptors and threads of process `pid`."""
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    fields = dict(line.split(":", 1) for line in status if ":" in line)
    return {
        "rss_kib": int(fields["VmRSS"].split()[0]),
        "threads": int(fields["Threads"]),
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
    }


def _fingerprint(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def _python_file(n_lines: int) -> str:
    """A plain Python module of about `n_lines` lines."""
    out = ['"""A module for the soak."""', ""]
    idx = 0
    while len(out) < n_lines:
        out += [f"def function_{idx}(value: int) -> int:", f"    return value + {idx}", "", ""]
        idx += 1
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
