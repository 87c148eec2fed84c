"""Several completions for one request, from any backend.

A backend that can produce several candidates natively (one request with `n`) offers an
async `candidates(request) -> list[str]`; `collect_candidates` uses it, and otherwise
streams the backend's single completion `request.n_candidates` times in turn (a local
single-slot server would queue parallel requests anyway).
"""

from __future__ import annotations

from contextlib import aclosing
from dataclasses import replace
from typing import Protocol, runtime_checkable

from context.backends import Backend, GenerationRequest


@runtime_checkable
class CandidatesBackend(Protocol):
    """A backend that produces several candidates in one request."""

    async def candidates(self, request: GenerationRequest) -> list[str]:
        """`request.n_candidates` whole completions, best effort in one request."""
        ...


async def collect_candidates(backend: Backend, request: GenerationRequest) -> list[str]:
    """`request.n_candidates` (at least one) whole completions from `backend`."""
    if isinstance(backend, CandidatesBackend):
        return await backend.candidates(request)
    return await sequential_candidates(backend, request)


async def sequential_candidates(backend: Backend, request: GenerationRequest) -> list[str]:
    """One streamed completion per candidate, in turn."""
    single = replace(request, n_candidates=1)
    texts = []
    for _ in range(max(1, request.n_candidates)):
        async with aclosing(backend.stream(single)) as pieces:
            texts.append("".join([piece async for piece in pieces]))
    return texts
