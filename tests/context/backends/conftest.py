"""Fixtures for backend tests: a scripted stand-in model server and an unused port."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping

import pytest

from context.settings import ModelSettings
from tests.modelserver import Route, ScriptedServer


@pytest.fixture
def scripted() -> Callable[[Mapping[str, Route]], ScriptedServer]:
    """Make a `ScriptedServer` for `routes`; use it as `async with scripted({...}) as s`."""
    return ScriptedServer


@pytest.fixture
async def unused_url() -> AsyncIterator[str]:
    """A loopback URL on which nothing listens."""
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    yield f"http://127.0.0.1:{port}"


@pytest.fixture
def real_model(llama_server: str) -> ModelSettings:
    """Settings for the session's real llama.cpp server, patient enough for a busy machine."""
    return ModelSettings(url=llama_server, timeout_ms=60_000)
