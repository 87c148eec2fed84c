"""Rust trait methods as a type's members end to end: `fillin/context` from a real `fillin
serve` over stdio.

The `traits` fixture crate stops at `result.|` where `result` is a `Bigint`, whose own
`impl` holds two accessors only: the methods it gets from `impl Math for Bigint`, the
trait's provided `iadd_small` and `imul_pow10` in another file, must be in the member
section, under the trait's header. The model service is the loopback stand-in and is never
called (`fillin/context` only builds the prompt).
"""

from __future__ import annotations

from pathlib import Path

from pytest_lsp import LanguageClient

from tests.lsp.test_requests import context_at_fixture
from tests.modelserver import ModelServer


async def test_a_type_lists_the_methods_of_the_crate_traits_it_implements(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    result = await context_at_fixture(
        client, model_server, tmp_path, "traits/src/algorithm.rs", "rust"
    )

    traits = [s for s in result.sections if s.source == "member" and s.path == "src/math.rs"]
    assert traits, [(s.source, s.path) for s in result.sections]
    lines = [line.strip() for line in traits[0].text.splitlines()]
    assert lines[0].startswith("pub(crate) trait Math"), lines
    assert "fn iadd_small(&mut self, y: Limb)" in lines, lines
    assert "fn imul_pow10(&mut self, n: u32)" in lines, lines
