"""Deterministic loopback HTTP servers that stand in for an external model service.

Tests and benchmarks use them where they need exact text, exact bytes or exact timing that
a real model cannot give. Both front ends share one HTTP edge (`read_request`, chunked
replies) and bind an ephemeral port on 127.0.0.1; neither touches the network.

`ModelServer` speaks just enough of the model servers' streaming protocols to drive
fillin's backends from another process (`fillin serve` in the LSP, Neovim and benchmark
runs): it replies with scripted text and records what it received. It runs its own asyncio
loop in a daemon thread.

- llama.cpp: `POST /completion` and `POST /infill` (SSE `data: {"content", "stop"}` lines,
  or one JSON object when `stream` is false), `GET /health`, `GET /props`;
- OpenAI-compatible: `POST /v1/completions` and `POST /v1/chat/completions` (SSE chunks,
  then `data: [DONE]`), `GET /v1/models`;
- Ollama: `POST /api/generate` (NDJSON lines), `GET /api/tags`.

Every request is recorded (`requests`) with its path and JSON body, and whether the client
hung up before the reply was complete (`disconnected`), which is how tests see that a
cancelled completion really closed its HTTP stream. Replies are scripted per request: the
n-th request gets `replies[n]` (the last one repeats); a reply is a string, split into
word-sized pieces, or a sequence of pieces sent as they are. `piece_delay_s` paces the
pieces, so a test can cancel in the middle of a stream.

`ScriptedServer` runs on the test's own event loop and answers each path with a scripted
`ScriptedReply`, byte for byte, for backend tests: an Ollama stream (no Ollama runs here),
an HTTP error, a malformed line, a server that stalls, a stream that must be cut off, and
the faults of a hostile or broken server: a stream or a line that never ends (`chunks` may
be an endless iterator, such as `itertools.repeat`), a connection dropped mid-answer. It
records what it received (headers and JSON body) and notices when the client hangs up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Reply = str | Sequence[str]

_PIECE = re.compile(r"\s*\S+|\s+")


async def read_request(
    reader: asyncio.StreamReader,
) -> tuple[str, str, dict[str, str], dict[str, Any]]:
    """One HTTP/1.1 request off a keep-alive connection: method, path (without the query),
    headers (names in lower case) and JSON body ({} when empty).

    Raises `asyncio.IncompleteReadError` when the client closes the connection.
    """
    head = await reader.readuntil(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, target, _ = request_line.split(" ", 2)
    headers = {
        k.strip().lower(): v.strip()
        for k, _, v in (line.partition(":") for line in header_lines if line)
    }
    raw = await reader.readexactly(int(headers.get("content-length", "0")))
    return method, target.split("?")[0], headers, json.loads(raw) if raw else {}


async def end_connection(writer: asyncio.StreamWriter, writers: set[asyncio.StreamWriter]) -> None:
    """Close one client connection (it hung up, or the server stops) and forget it."""
    writers.discard(writer)
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()


@dataclass
class RecordedRequest:
    """One request the model server received."""

    method: str
    path: str
    body: dict[str, Any]
    completed: bool = False
    disconnected: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    """The request's headers, names in lower case."""
    received_at: float = field(default_factory=time.monotonic)

    @property
    def prompt(self) -> str:
        """The prompt text of a completion request (`prompt`, or the infill prefix)."""
        value = self.body.get("prompt", self.body.get("input_prefix", ""))
        return value if isinstance(value, str) else json.dumps(value)


class ModelServer:
    """A scripted model server on 127.0.0.1; use it as a context manager."""

    def __init__(
        self,
        replies: Sequence[Reply] | Callable[[RecordedRequest], Reply] = ("",),
        *,
        piece_delay_s: float = 0.0,
        first_delay_s: float = 0.0,
        status: int = 200,
    ) -> None:
        self.replies = replies
        self.piece_delay_s = piece_delay_s
        self.first_delay_s = first_delay_s
        self.status = status
        self.requests: list[RecordedRequest] = []
        self._changed = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._port = 0
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        """The base URL, e.g. `http://127.0.0.1:38123`."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def completion_requests(self) -> list[RecordedRequest]:
        """The POST requests received (generation requests), oldest first."""
        return [r for r in self.requests if r.method == "POST"]

    def start(self) -> ModelServer:
        """Start serving in a background thread; returns self."""
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._server = loop.run_until_complete(
                asyncio.start_server(self._serve, "127.0.0.1", 0)
            )
            self._port = self._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._shut_down())
            loop.close()

        self._thread = threading.Thread(target=run, name="modelserver", daemon=True)
        self._thread.start()
        ready.wait(5)
        return self

    def stop(self) -> None:
        """Stop serving and join the thread."""
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
        self._loop = None

    async def _shut_down(self) -> None:
        """Close the listening socket and end every connection still open."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        if tasks:
            await asyncio.wait(tasks, timeout=5)

    def __enter__(self) -> ModelServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_for(self, predicate: Callable[[ModelServer], bool], timeout_s: float = 5.0) -> bool:
        """Block until `predicate(self)` holds (re-checked on every request event)."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    async def await_for(
        self, predicate: Callable[[ModelServer], bool], timeout_s: float = 5.0
    ) -> bool:
        """`wait_for` without blocking the caller's event loop."""
        return await asyncio.to_thread(self.wait_for, predicate, timeout_s)

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def _reply_for(self, request: RecordedRequest, index: int) -> list[str]:
        if callable(self.replies):
            reply = self.replies(request)
        else:
            reply = self.replies[min(index, len(self.replies) - 1)] if self.replies else ""
        if isinstance(reply, str):
            return _PIECE.findall(reply)
        return list(reply)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve requests on one keep-alive connection until the client closes it."""
        self._writers.add(writer)
        try:
            while True:
                method, path, headers, body = await read_request(reader)
                request = RecordedRequest(method, path, body, headers=headers)
                index = len(self.completion_requests)
                with self._changed:
                    self.requests.append(request)
                    self._changed.notify_all()
                await self._respond(request, index, reader, writer)
                request.completed = True
                self._notify()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            await end_connection(writer, self._writers)

    async def _respond(
        self,
        request: RecordedRequest,
        index: int,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        if request.method == "GET":
            await _send_json(writer, 200, _info(request.path))
            return
        if self.status != 200:
            await _send_json(writer, self.status, {"error": {"message": "scripted failure"}})
            return
        pieces = self._reply_for(request, index)
        if not request.body.get("stream", request.path == "/api/generate"):
            text = "".join(pieces)
            await _send_json(writer, 200, _whole(request.path, text))
            return
        content_type = (
            "application/x-ndjson" if request.path == "/api/generate" else "text/event-stream"
        )
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: "
            + content_type.encode()
            + b"\r\nTransfer-Encoding: chunked\r\nCache-Control: no-cache\r\n\r\n"
        )
        try:
            if self.first_delay_s:
                await asyncio.sleep(self.first_delay_s)
            for i, piece in enumerate(pieces):
                if i and self.piece_delay_s:
                    await asyncio.sleep(self.piece_delay_s)
                if reader.at_eof():
                    # The client sends nothing while it reads a stream: end of input means
                    # it hung up.
                    raise ConnectionResetError
                await _send_chunk(writer, _event(request.path, piece, done=False))
            await _send_chunk(writer, _event(request.path, "", done=True))
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        except ConnectionError:
            request.disconnected = True
            self._notify()
            raise


def _event(path: str, text: str, *, done: bool) -> bytes:
    """One streamed event in the protocol of `path`."""
    if path == "/api/generate":
        return json.dumps({"response": text, "done": done}).encode() + b"\n"
    if path.endswith("/chat/completions"):
        if done:
            payload: Any = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        else:
            payload = {"choices": [{"index": 0, "delta": {"content": text}}]}
        return _sse(payload) + (b"data: [DONE]\n\n" if done else b"")
    if path.endswith("/completions"):
        reason = "stop" if done else None
        payload = {"choices": [{"index": 0, "text": text, "finish_reason": reason}]}
        return _sse(payload) + (b"data: [DONE]\n\n" if done else b"")
    return _sse({"content": text, "stop": done, **({"stop_type": "eos"} if done else {})})


def _whole(path: str, text: str) -> dict[str, Any]:
    """A non-streamed reply in the protocol of `path`."""
    if path == "/api/generate":
        return {"response": text, "done": True}
    if path.endswith("/chat/completions"):
        message = {"role": "assistant", "content": text}
        return {"choices": [{"index": 0, "message": message, "finish_reason": "stop"}]}
    if path.endswith("/completions"):
        return {"choices": [{"index": 0, "text": text, "finish_reason": "stop"}]}
    return {"content": text, "stop": True}


def _info(path: str) -> dict[str, Any]:
    """Replies to the informational GET endpoints."""
    if path == "/v1/models":
        return {"object": "list", "data": [{"id": "scripted", "object": "model"}]}
    if path == "/api/tags":
        return {"models": [{"name": "scripted"}]}
    if path == "/props":
        return {"default_generation_settings": {"n_ctx": 4096}, "model_path": "scripted.gguf"}
    return {"status": "ok"}


def _sse(payload: Any) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


async def _send_chunk(writer: asyncio.StreamWriter, data: bytes) -> None:
    writer.write(b"%x\r\n%s\r\n" % (len(data), data))
    await writer.drain()


async def _send_json(writer: asyncio.StreamWriter, status: int, payload: Any) -> None:
    body = json.dumps(payload).encode()
    reason = {200: "OK", 404: "Not Found"}.get(status, "Error")
    writer.write(
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    await writer.drain()


# Byte-level replies on the test's own loop -------------------------------------------------


@dataclass(frozen=True)
class ScriptedReply:
    """What the server sends back: a status, then `chunks` one by one, `delay_s` apart."""

    chunks: Iterable[bytes] = ()
    status: int = 200
    content_type: str = "text/event-stream"
    delay_s: float = 0.0
    first_delay_s: float = 0.0
    is_dropped: bool = False
    """Close the connection without answering, as a server does with a stale keep-alive."""
    is_cut: bool = False
    """Close the connection after the chunks, without ending the reply (a crash mid-answer)."""


@dataclass
class Received:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    disconnected: asyncio.Event = field(default_factory=asyncio.Event)


Route = ScriptedReply | Callable[[Received], ScriptedReply]


def sse(*payloads: Any, done: bool = True) -> list[bytes]:
    """Server-sent events carrying `payloads` as JSON, ended by `data: [DONE]`."""
    events = [_sse(p) for p in payloads]
    return [*events, b"data: [DONE]\n\n"] if done else events


class ScriptedServer:
    """Serves scripted replies by path on 127.0.0.1; start it with `async with`."""

    def __init__(self, routes: Mapping[str, Route]) -> None:
        self.routes = dict(routes)
        self.received: list[Received] = []
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.n_connections = 0
        self._port = 0

    @property
    def url(self) -> str:
        """The base URL, e.g. `http://127.0.0.1:38123`; it stays readable after stopping."""
        assert self._port, "start the server first"
        return f"http://127.0.0.1:{self._port}"

    @property
    def paths(self) -> list[str]:
        return [r.path for r in self.received]

    async def __aenter__(self) -> ScriptedServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self._port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        # Connections still open (keep-alive) are closed along with the server.
        for writer in list(self._writers):
            writer.close()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=2)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self.n_connections += 1
        try:
            while True:
                _, path, headers, body = await read_request(reader)
                received = Received(path, headers, body)
                self.received.append(received)
                route = self.routes.get(
                    received.path, ScriptedReply(status=404, chunks=[b"not found"])
                )
                reply = route(received) if callable(route) else route
                if reply.is_dropped:
                    return
                await self._send(reply, received, reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            await end_connection(writer, self._writers)

    async def _send(
        self,
        reply: ScriptedReply,
        received: Received,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        # The client sends nothing while it waits for a reply, so end of input means it
        # hung up.
        hang_up = asyncio.ensure_future(reader.read(1))
        try:
            if await _is_hung_up(hang_up, reply.first_delay_s):
                raise ConnectionResetError
            writer.write(
                f"HTTP/1.1 {reply.status} Scripted\r\nContent-Type: {reply.content_type}\r\n"
                "Transfer-Encoding: chunked\r\n\r\n".encode()
            )
            for chunk in reply.chunks:
                if await _is_hung_up(hang_up, reply.delay_s):
                    raise ConnectionResetError
                await _send_chunk(writer, chunk)
            if reply.is_cut:
                writer.transport.abort()
                return
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        except ConnectionError:
            received.disconnected.set()
            raise
        finally:
            hang_up.cancel()
            # The next request may be read only once this read has really stopped.
            await asyncio.wait({hang_up})


async def _is_hung_up(hang_up: asyncio.Future[bytes], wait_s: float) -> bool:
    """Whether the client hangs up within `wait_s` seconds."""
    done, _ = await asyncio.wait({hang_up}, timeout=wait_s)
    return bool(done)
