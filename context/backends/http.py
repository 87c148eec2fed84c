"""Streaming JSON over HTTP for every backend: one client each, errors translated at the edge.

`new_client` makes the one `httpx.AsyncClient` a backend keeps for its lifetime (HTTP/1.1
keep-alive, so consecutive completions reuse a connection; connect and read timeouts from
the model settings). `stream_json` posts a request and yields the JSON objects of the
answer, framed as server-sent events (`data: {...}` lines, ended by `data: [DONE]` or by
the server closing) or as NDJSON (one object per line).

Every low-level failure leaves this module as a `BackendError` subclass, raised from the
original exception, with a message that names the setting to check:

- a refused or unresolvable connection, or none within `model.connectTimeoutMs`:
  `BackendUnavailable`;
- no first piece within `model.firstTokenTimeoutMs` (the prompt is evaluated before it),
  or no next piece within `model.timeoutMs` after that: `BackendTimeout`;
- an HTTP error status (with the server's own error text), a broken stream, or a line that
  is not JSON: `BackendProtocolError`.

Hard limits hold whatever the server sends: one answer ends within `model.streamDeadlineMs`
(`BackendTimeout`), a line longer than `model.maxLineBytes` or an answer longer than
`model.maxAnswerBytes` ends it (`BackendProtocolError`), and an error body is read only up
to `MAX_ERROR_BODY_BYTES`. Lines are split here, not by httpx, so a line that never ends is
never held in memory beyond its cap.

A stream read to its end leaves its connection in the pool for the next request; a
request that a stale pooled connection drops before any answer is sent once more. Closing
the generator that `stream_json` returns (leaving an `async with aclosing(...)`
block, or cancelling the task that iterates it) closes the HTTP response at once: the
connection is dropped, so the model server notices and stops generating.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Mapping
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import httpx

from context.errors import BackendProtocolError, BackendTimeout, BackendUnavailable
from context.settings import ModelSettings
from context.urls import basic_auth, redact_url

Framing = Literal["sse", "ndjson"]

# The longest error text quoted from a server; error pages can be whole HTML documents.
_MAX_ERROR_CHARS = 300

MAX_ERROR_BODY_BYTES = 65_536
"""The most bytes of an HTTP error answer that are read (its text is quoted, cut short)."""

T = TypeVar("T")


@dataclass(frozen=True)
class StreamLimits:
    """What one answer may cost: wall time from the request, line length, total size."""

    deadline_ms: int
    max_line_bytes: int
    max_answer_bytes: int

    @classmethod
    def of(cls, model: ModelSettings) -> StreamLimits:
        """The limits that the model settings set."""
        return cls(model.stream_deadline_ms, model.max_line_bytes, model.max_answer_bytes)


class LimitedClient(httpx.AsyncClient):
    """An `httpx.AsyncClient` that carries the stream limits of the backend owning it."""

    def __init__(self, stream_limits: StreamLimits, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stream_limits = stream_limits


def new_client(model: ModelSettings, url: str) -> httpx.AsyncClient:
    """The HTTP client for one backend at `url`: keep-alive, with the model's timeouts.

    Its read timeout is the first-token deadline (the longer of the two), since a server
    may say nothing while it evaluates the prompt; `stream_json` holds later pieces to the
    gap of `model.timeoutMs`. Proxy settings from the environment apply to remote servers
    only: a proxy must never see a prompt bound for a server on this machine. `model.url`'s
    userinfo becomes basic auth here, since backends keep the URL without it (`context.urls`).
    """
    connect_s = model.connect_timeout_ms / 1000
    read_s = max(model.first_token_timeout_ms, model.timeout_ms) / 1000
    credentials = basic_auth(model.url)
    return LimitedClient(
        StreamLimits.of(model),
        auth=httpx.BasicAuth(*credentials) if credentials else None,
        timeout=httpx.Timeout(read_s, connect=connect_s, pool=connect_s),
        limits=httpx.Limits(max_connections=8, max_keepalive_connections=4),
        trust_env=not is_loopback(url),
    )


def is_loopback(url: str) -> bool:
    """Whether `url` points at this machine (localhost or a loopback address)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def auth_headers(model: ModelSettings) -> dict[str, str]:
    """The Authorization header from the environment variable named by `model.apiKeyEnv`.

    The key itself never appears in a message or a log line.
    """
    if not model.api_key_env:
        return {}
    key = os.environ.get(model.api_key_env, "")
    if not key:
        raise BackendUnavailable(
            f"model.apiKeyEnv: the environment variable {model.api_key_env} is not set "
            "(export it with your API key, or clear model.apiKeyEnv)"
        )
    return {"Authorization": f"Bearer {key}"}


def join_url(base: str, path: str) -> str:
    """`base` (with or without a trailing slash) followed by `path`."""
    return base.rstrip("/") + "/" + path.lstrip("/")


def openai_url(base: str, endpoint: str) -> str:
    """The OpenAI-compatible `endpoint` (e.g. `completions`) under `base`.

    `http://host:8000`, `http://host:8000/v1` and `http://host:8000/v1/completions` all
    lead to `http://host:8000/v1/completions`.
    """
    base = base.rstrip("/")
    if base.endswith("/" + endpoint):
        return base
    if urlsplit(base).path.rstrip("/").endswith("/v1"):
        return f"{base}/{endpoint}"
    return f"{base}/v1/{endpoint}"


async def stream_json(
    client: httpx.AsyncClient,
    url: str,
    payload: Mapping[str, Any],
    *,
    framing: Framing,
    server: str,
    headers: Mapping[str, str] | None = None,
    gap_ms: int | None = None,
) -> AsyncGenerator[dict[str, Any], None]:
    """POST `payload` to `url` and yield each JSON object of the streamed answer.

    `server` names what should be listening (e.g. "llama-server") for the hint in a
    connection error. After the first object, each next one must come within `gap_ms`
    (None: the client's read timeout alone). The limits are those of a client from
    `new_client`, else the defaults of `ModelSettings`.
    """
    if isinstance(client, LimitedClient):
        limits = client.stream_limits
    else:
        limits = StreamLimits.of(ModelSettings())
    deadline = asyncio.get_running_loop().time() + limits.deadline_ms / 1000
    try:
        request = client.build_request("POST", url, json=payload, headers=headers)
        response = await _before(deadline, _send(client, request), url, limits)
        try:
            if response.status_code >= 400:
                body = await _before(deadline, _read_error_body(response), url, limits)
                raise HttpStatusError(url, response.status_code, _error_text(body))
            parse = _sse_events if framing == "sse" else _ndjson_objects
            lines = _bounded_lines(response, url, limits, deadline)
            async with aclosing(_within_gap(parse(lines, url), gap_ms, url)) as objects:
                async for obj in objects:
                    yield obj
        finally:
            await response.aclose()
    except httpx.ConnectError as exc:
        raise BackendUnavailable(
            f"model.url: cannot connect to {_origin(url)} (is {server} running?)"
        ) from exc
    except httpx.ConnectTimeout as exc:
        raise BackendUnavailable(
            f"model.url: cannot connect to {_origin(url)} within "
            f"{_timeout_ms(client, exc)} ms (is {server} running? see model.connectTimeoutMs)"
        ) from exc
    except httpx.TimeoutException as exc:
        raise BackendTimeout(
            f"model.firstTokenTimeoutMs: {_origin(url)} did not answer within "
            f"{_timeout_ms(client, exc)} ms (raise model.firstTokenTimeoutMs, lower "
            "context.maxPromptTokens or use a smaller model)"
        ) from exc
    except httpx.HTTPError as exc:
        raise BackendProtocolError(f"{url}: the connection broke mid-answer ({exc})") from exc


class HttpStatusError(BackendProtocolError):
    """The server answered with an HTTP error status; `status` and `detail` say which."""

    def __init__(self, url: str, status: int, detail: str) -> None:
        super().__init__(f"{url} answered HTTP {status}: {detail}")
        self.status = status
        self.detail = detail


async def _send(client: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    """Send `request`, once more if a kept-alive connection turns out to be closed.

    Servers close idle keep-alive connections (llama.cpp after 5 s); when that races with
    reuse, the request fails before any answer, so sending it again is safe.
    """
    try:
        return await client.send(request, stream=True)
    except httpx.RemoteProtocolError:
        return await client.send(request, stream=True)


async def _within_gap(
    objects: AsyncGenerator[dict[str, Any], None], gap_ms: int | None, url: str
) -> AsyncGenerator[dict[str, Any], None]:
    """`objects`, each after the first within `gap_ms` of the one before."""
    async with aclosing(objects):
        obj = await anext(objects, None)
        while obj is not None:
            yield obj
            try:
                async with asyncio.timeout(None if gap_ms is None else gap_ms / 1000):
                    obj = await anext(objects, None)
            except TimeoutError as exc:
                raise BackendTimeout(
                    f"model.timeoutMs: {_origin(url)} sent no next piece within {gap_ms} ms "
                    "(raise model.timeoutMs or use a smaller model)"
                ) from exc


async def _before(deadline: float, step: Awaitable[T], url: str, limits: StreamLimits) -> T:
    """`step`'s result, or `BackendTimeout` when the answer's deadline passes first."""
    try:
        async with asyncio.timeout_at(deadline):
            return await step
    except TimeoutError as exc:
        raise BackendTimeout(
            f"model.streamDeadlineMs: {_origin(url)} was still answering after "
            f"{limits.deadline_ms} ms (raise model.streamDeadlineMs or lower model.maxTokens)"
        ) from exc


async def _bounded_lines(
    response: httpx.Response, url: str, limits: StreamLimits, deadline: float
) -> AsyncGenerator[str, None]:
    """The answer's lines (without their line breaks), within the limits."""
    buffer = bytearray()
    n_bytes = 0
    # An unfinished iterator is closed with the response, in `stream_json`.
    chunks = response.aiter_bytes()
    while (chunk := await _before(deadline, anext(chunks, None), url, limits)) is not None:
        n_bytes += len(chunk)
        if n_bytes > limits.max_answer_bytes:
            raise BackendProtocolError(
                f"model.maxAnswerBytes: {_origin(url)} sent more than "
                f"{limits.max_answer_bytes} bytes for one answer "
                "(raise model.maxAnswerBytes or lower model.maxTokens)"
            )
        buffer += chunk
        start = 0
        while (end := buffer.find(b"\n", start)) != -1:
            _check_line_length(end - start, url, limits)
            yield _decoded(buffer[start:end])
            start = end + 1
        del buffer[:start]
        _check_line_length(len(buffer), url, limits)
    if buffer:
        yield _decoded(buffer)


def _check_line_length(n_bytes: int, url: str, limits: StreamLimits) -> None:
    if n_bytes > limits.max_line_bytes:
        raise BackendProtocolError(
            f"model.maxLineBytes: {_origin(url)} sent a line longer than "
            f"{limits.max_line_bytes} bytes (is model.url a model server? "
            "else raise model.maxLineBytes)"
        )


def _decoded(line: bytes | bytearray) -> str:
    return line.decode("utf-8", errors="replace").removesuffix("\r")


async def _read_error_body(response: httpx.Response) -> str:
    """The start of an error answer: at most `MAX_ERROR_BODY_BYTES`, the rest left unread."""
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) >= MAX_ERROR_BODY_BYTES:
            break
    return body[:MAX_ERROR_BODY_BYTES].decode("utf-8", errors="replace")


async def _sse_events(lines: AsyncIterator[str], url: str) -> AsyncGenerator[dict[str, Any], None]:
    is_done = False
    async for line in lines:
        # After `[DONE]` the rest is read, not parsed, so the connection can be reused.
        if is_done or not line.startswith("data:"):
            # Blank separators, `event:`/`id:` fields and `:` keep-alive comments carry nothing.
            if line.startswith("error:"):
                raise BackendProtocolError(f"{url} streamed an error: {line[6:].strip()}")
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            is_done = True
            continue
        yield _parse_object(data, url)


async def _ndjson_objects(
    lines: AsyncIterator[str], url: str
) -> AsyncGenerator[dict[str, Any], None]:
    async for line in lines:
        if line.strip():
            yield _parse_object(line, url)


def _parse_object(text: str, url: str) -> dict[str, Any]:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BackendProtocolError(
            f"{url} sent something that is not JSON: {text[:80]!r} (is model.url right?)"
        ) from exc
    if not isinstance(obj, dict):
        raise BackendProtocolError(f"{url} sent JSON that is not an object: {text[:80]!r}")
    if obj.get("error"):
        raise BackendProtocolError(f"{url} streamed an error: {_error_text(text)}")
    return obj


def _error_text(body: str) -> str:
    """The human part of an error body: `{"error": {"message": ...}}`, `{"error": "..."}`."""
    try:
        obj = json.loads(body)
    except json.JSONDecodeError:
        return body.strip()[:_MAX_ERROR_CHARS] or "(no error text)"
    error = obj.get("error", obj) if isinstance(obj, dict) else obj
    if isinstance(error, dict):
        error = error.get("message", error)
    return str(error)[:_MAX_ERROR_CHARS]


def _origin(url: str) -> str:
    parts = urlsplit(redact_url(url))
    return f"{parts.scheme}://{parts.netloc}"


def _timeout_ms(client: httpx.AsyncClient, exc: httpx.TimeoutException) -> int:
    timeout = client.timeout
    seconds = timeout.connect if isinstance(exc, httpx.ConnectTimeout) else timeout.read
    return round((seconds or 0) * 1000)
