"""Issue 10's row 12: the embedded llama.cpp server on a shared machine.

It gets a random API key, and before the first prompt the backend checks that the server
answering on its port is the one in this process: a listener in another process (a local
user who took the port first) is refused, so no prompt reaches it. The key test starts a
real xllamacpp server with the bundled SmolLM2 model.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import aclosing
from pathlib import Path

import httpx
import pytest

from context.backends import GenerationRequest
from context.backends.embedded import (
    EmbeddedBackend,
    is_port_held_here,
    squatter_refusal,
)
from context.settings import ModelSettings

SQUATTER = (
    "import socket, sys, time\n"
    "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
    "print(s.getsockname()[1], flush=True); time.sleep(60)\n"
)


@pytest.fixture
def squatter_port() -> Iterator[int]:
    """A loopback port another process listens on."""
    process = subprocess.Popen([sys.executable, "-c", SQUATTER], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    yield int(process.stdout.readline())
    process.kill()
    process.wait(10)


@pytest.mark.skipif(sys.platform != "linux", reason="ownership is read from /proc on Linux")
def test_a_port_held_by_another_process_is_refused(squatter_port: int) -> None:
    refusal = squatter_refusal(squatter_port, f"http://127.0.0.1:{squatter_port}", "key")

    assert is_port_held_here(squatter_port) is False
    assert refusal is not None and "another program holds" in refusal
    assert "no prompt was sent" in refusal


@pytest.mark.llm
async def test_the_embedded_server_needs_its_random_key(llama_model_path: Path) -> None:
    # A loaded shared machine can take seconds for the first token.
    model = ModelSettings(
        backend="embedded", path=str(llama_model_path), threads=2, timeout_ms=60_000
    )
    backend = EmbeddedBackend(model)
    request = GenerationRequest(prompt="def add(a, b):\n", prefix="", suffix="", max_tokens=2)
    try:
        async with aclosing(backend.stream(request)) as pieces:
            async for _ in pieces:
                break
        server = backend._server
        assert server is not None and server.api_key and len(server.api_key) >= 32
        port = int(server.url.rsplit(":", 1)[1])
        assert is_port_held_here(port) is True
        async with httpx.AsyncClient(trust_env=False) as client:
            anonymous = await client.post(f"{server.url}/completion", json={"prompt": "a"})
        assert anonymous.status_code == 401
    finally:
        await backend.aclose()
