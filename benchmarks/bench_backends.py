"""Token counting and backend streaming overhead, each beside a baseline measured in the same run.

Token counting, on a generated 2,000-line Python file, as the completion path meets it: the
prefix grows by one character per keystroke and is counted (and cut to a 1,024-token budget)
per request.

- baseline: `tiktoken`'s `encode_ordinary` on the whole prefix, then the last 1,024 tokens;
- fillin: `count_tokens` (line pieces with cached counts) and `keep_last_tokens` (encodes a
  tail window only).

Streaming overhead: one completion of 32 pieces from a zero-latency loopback server that
speaks llama.cpp's `/completion` SSE, time to the first piece and to the last.

- baseline: a bare `httpx.AsyncClient.stream` loop that splits the `data:` lines itself;
- fillin: `LlamaCppBackend.stream` (request building, SSE parsing, error translation).

Usage: `python -m benchmarks.bench_backends [--quick]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Callable
from contextlib import aclosing

import httpx

from context.backends import GenerationRequest
from context.backends.llamacpp import LlamaCppBackend
from context.prompt.templates import PREFIX_ONLY
from context.prompt.tokens import count_tokens, keep_last_tokens, load_encoding
from context.settings import ModelSettings

N_LINES = 2_000
BUDGET = 1_024
N_PIECES = 32


def main() -> None:
    """Print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    n_requests = 40 if args.quick else 200
    bench_tokens(n_requests)
    asyncio.run(bench_streaming(n_requests))


def bench_tokens(n_requests: int) -> None:
    """Per-request token work on a growing prefix of a 2,000-line file."""
    text = _python_file(N_LINES)
    encoding = load_encoding()
    start = len(text) // 2
    prefixes = [text[: start + i] for i in range(n_requests)]

    def baseline(prefix: str) -> None:
        tokens = encoding.encode_ordinary(prefix)
        encoding.decode(tokens[-BUDGET:])

    def fillin(prefix: str) -> None:
        count_tokens(prefix)
        keep_last_tokens(prefix, BUDGET)

    print(f"token work per request, {N_LINES}-line file, prefix of ~{start // 1000} kB:")
    for name, work in (("baseline (encode all)", baseline), ("fillin", fillin)):
        times = _timed(work, prefixes)
        print(f"  {name:24} p50 {_ms(times, 50):7.2f} ms   p95 {_ms(times, 95):7.2f} ms")


async def bench_streaming(n_requests: int) -> None:
    """First-piece and total latency of one streamed completion on loopback."""
    server = await asyncio.start_server(_serve_completion, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    request = GenerationRequest(prompt="x = ", prefix="x = ", suffix="", max_tokens=N_PIECES)
    print(f"streaming {N_PIECES} pieces from a zero-latency loopback server:")
    async with httpx.AsyncClient(trust_env=False) as client:

        async def baseline() -> tuple[float, float]:
            started = time.perf_counter()
            first = 0.0
            body = {"prompt": "x = ", "n_predict": N_PIECES, "stream": True}
            async with client.stream("POST", f"{url}/completion", json=body) as response:
                async for line in response.aiter_lines():
                    if line.startswith("data: ") and not first:
                        json.loads(line[6:])
                        first = time.perf_counter() - started
            return first, time.perf_counter() - started

        backend = LlamaCppBackend(ModelSettings(url=url), PREFIX_ONLY)

        async def fillin() -> tuple[float, float]:
            started = time.perf_counter()
            first = 0.0
            async with aclosing(backend.stream(request)) as pieces:
                async for _ in pieces:
                    first = first or time.perf_counter() - started
            return first, time.perf_counter() - started

        for name, run in (("baseline (bare httpx)", baseline), ("fillin llamacpp", fillin)):
            await run()
            results = [await run() for _ in range(n_requests)]
            firsts = [r[0] for r in results]
            totals = [r[1] for r in results]
            print(
                f"  {name:24} first piece p50 {_ms(firsts, 50):6.2f} ms"
                f"   total p50 {_ms(totals, 50):6.2f} ms   p95 {_ms(totals, 95):6.2f} ms"
            )
        await backend.aclose()
    server.close()
    await server.wait_closed()


async def _serve_completion(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer every request on this connection with N_PIECES SSE events at once."""
    events = b"".join(
        b"data: " + json.dumps({"content": f" t{i}", "stop": False}).encode() + b"\n\n"
        for i in range(N_PIECES)
    )
    events += b'data: {"content": "", "stop": true}\n\n'
    reply = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
        + f"Content-Length: {len(events)}\r\n\r\n".encode()
        + events
    )
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            await reader.readexactly(length)
            writer.write(reply)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
        # A client that hangs up, or the benchmark ending, ends the connection quietly.
        writer.close()


def _python_file(n_lines: int) -> str:
    lines = []
    for i in range(n_lines // 4):
        lines += [
            f"def handler_{i}(request, retries={i % 5}):",
            f'    """Handle request number {i} and retry up to `retries` times."""',
            f"    result = process(request.payload, key='item_{i}', limit={i * 7})",
            "    return result\n",
        ]
    return "\n".join(lines)


def _timed(work: Callable[[str], None], inputs: list[str]) -> list[float]:
    work(inputs[0])
    times = []
    for item in inputs:
        started = time.perf_counter()
        work(item)
        times.append(time.perf_counter() - started)
    return times


def _ms(values: list[float], percentile: int) -> float:
    return statistics.quantiles(values, n=100)[percentile - 1] * 1000


if __name__ == "__main__":
    main()
