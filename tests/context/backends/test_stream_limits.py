"""Hard limits on what a model server can make fillin read: wall time, line length, size.

A hostile or broken server is played by a `ScriptedServer` (a deterministic stand-in for a
model service, see conftest.py): no real model can be made to stream forever, send one
line that never ends, or an endless error page on cue. Each test checks the error names
the setting to change, and that it comes within the deadline plus a generous margin.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping

import pytest

from context.backends.http import MAX_ERROR_BODY_BYTES, HttpStatusError
from context.errors import BackendProtocolError, BackendTimeout
from tests.context.backends.test_backend_http import ENDPOINTS, collect, make
from tests.modelserver import Route, ScriptedReply, ScriptedServer

Scripted = Callable[[Mapping[str, Route]], ScriptedServer]

DEADLINE_MS = 400
# The most a request may take: its deadline, and time for a loaded machine.
LIMIT_S = DEADLINE_MS / 1000 + 1.5


def one_piece(kind: str) -> bytes:
    """One streamed piece of text in the backend's framing, to repeat forever."""
    return ENDPOINTS[kind][1][0]


@pytest.mark.parametrize("kind", sorted(ENDPOINTS))
async def test_a_stream_that_never_ends_stops_at_the_deadline(
    kind: str, scripted: Scripted
) -> None:
    path, _ = ENDPOINTS[kind]
    async with scripted({path: ScriptedReply(chunks=itertools.repeat(one_piece(kind)))}) as server:
        started = time.perf_counter()
        with pytest.raises(BackendTimeout, match=r"model\.streamDeadlineMs"):
            await collect(make(kind, server.url, stream_deadline_ms=DEADLINE_MS))
        assert time.perf_counter() - started < LIMIT_S


# Each piece comes within `model.timeoutMs`, yet the whole answer takes too long.
SLOW_REPLIES = {
    "a trickle": ScriptedReply(chunks=itertools.repeat(one_piece("openai")), delay_s=0.05),
    "a slow first byte": ScriptedReply(chunks=[one_piece("openai")], first_delay_s=3.0),
}


@pytest.mark.parametrize("slow", sorted(SLOW_REPLIES))
async def test_a_slow_answer_under_the_read_timeout_stops_at_the_deadline(
    slow: str, scripted: Scripted
) -> None:
    async with scripted({"/v1/completions": SLOW_REPLIES[slow]}) as server:
        backend = make("openai", server.url, stream_deadline_ms=DEADLINE_MS, timeout_ms=5_000)
        started = time.perf_counter()
        with pytest.raises(BackendTimeout, match=r"model\.streamDeadlineMs"):
            await collect(backend)
        assert time.perf_counter() - started < LIMIT_S


@pytest.mark.parametrize("kind", sorted(ENDPOINTS))
async def test_a_line_that_never_ends_is_cut_at_the_line_cap(kind: str, scripted: Scripted) -> None:
    path, _ = ENDPOINTS[kind]
    chunks = itertools.chain([b'data: {"content": "'], itertools.repeat(b"x" * 65_536))
    async with scripted({path: ScriptedReply(chunks=chunks)}) as server:
        started = time.perf_counter()
        with pytest.raises(BackendProtocolError, match=r"model\.maxLineBytes"):
            await collect(make(kind, server.url, max_line_bytes=100_000))
        assert time.perf_counter() - started < LIMIT_S


async def test_a_huge_answer_is_cut_at_the_size_cap(scripted: Scripted) -> None:
    chunks = [one_piece("openai")] * 5_000
    async with scripted({"/v1/completions": ScriptedReply(chunks=chunks)}) as server:
        with pytest.raises(BackendProtocolError, match=r"model\.maxAnswerBytes"):
            await collect(make("openai", server.url, max_answer_bytes=50_000))
        # Below the cap the same answer is read whole.
        text = await collect(make("openai", server.url, max_answer_bytes=10_000_000))
        assert text == "1" * 5_000


async def test_an_endless_error_page_is_read_only_up_to_its_cap(scripted: Scripted) -> None:
    page = ScriptedReply(
        status=500, content_type="text/html", chunks=itertools.repeat(b"<p>oops</p>")
    )
    async with scripted({"/v1/completions": page}) as server:
        started = time.perf_counter()
        with pytest.raises(HttpStatusError) as caught:
            await collect(make("openai", server.url))
        assert time.perf_counter() - started < LIMIT_S
        assert caught.value.status == 500
        assert caught.value.detail.startswith("<p>oops</p>")
        assert len(caught.value.detail) <= MAX_ERROR_BODY_BYTES


@pytest.mark.parametrize("kind", sorted(ENDPOINTS))
async def test_a_connection_dropped_mid_answer_is_a_protocol_error(
    kind: str, scripted: Scripted
) -> None:
    path, _ = ENDPOINTS[kind]
    async with scripted({path: ScriptedReply(chunks=[one_piece(kind)], is_cut=True)}) as server:
        with pytest.raises(BackendProtocolError, match="broke mid-answer"):
            await collect(make(kind, server.url))
