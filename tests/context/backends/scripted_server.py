"""A scripted loopback HTTP server for backend tests that need exact bytes.

`ScriptedServer` stands in for an external model service where a test needs a reply that
a real model cannot give deterministically: an Ollama stream (no Ollama runs here), an
HTTP error, a malformed line, a server that stalls, or a stream that must be cut off; and
the faults of a hostile or broken server: a stream or a line that never ends (`chunks` may
be an endless iterator, such as `itertools.repeat`), a connection dropped mid-answer. It
answers each request with the scripted `Reply` for its path, byte for byte, records what
it received (headers and JSON body), and notices when the client hangs up mid-reply.
It runs on the test's own event loop and binds an ephemeral port on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Reply:
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


Route = Reply | Callable[[Received], Reply]


def sse(*payloads: Any, done: bool = True) -> list[bytes]:
    """Server-sent events carrying `payloads` as JSON, ended by `data: [DONE]`."""
    events = [b"data: " + json.dumps(p).encode() + b"\n\n" for p in payloads]
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
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head.decode("latin-1").split("\r\n")
                _, target, _ = request_line.split(" ", 2)
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines if line)
                }
                raw = await reader.readexactly(int(headers.get("content-length", "0")))
                received = Received(target.split("?")[0], headers, json.loads(raw or b"{}"))
                self.received.append(received)
                route = self.routes.get(received.path, Reply(status=404, chunks=[b"not found"]))
                reply = route(received) if callable(route) else route
                if reply.is_dropped:
                    return
                await self._send(reply, received, reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _send(
        self,
        reply: Reply,
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
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
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
