"""Expected types end to end: `fillin/context` from a real `fillin serve` over stdio.

The `expected` fixture crate stops at a call's argument (`Error::new(|` with `fn new(kind:
ErrorKind)`): the prompt must hold `ErrorKind` with all fourteen variants, past the
twelve members that an outline of a name near the cursor keeps; and at `let mut input = |`
in a file that imports `Input`: `Input`'s constructors first, before its other methods.
The model service is the loopback stand-in and is never called (`fillin/context` only
builds the prompt).
"""

from __future__ import annotations

from pathlib import Path

from pytest_lsp import LanguageClient

from tests.lsp.test_requests import context_at_fixture
from tests.modelserver import ModelServer


async def _outline_at(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path, fixture: str, header: str
) -> tuple[list[str], str]:
    """The member lines of the definition outline headed `header` in the prompt at the
    fixture's cursor, and the prompt."""
    result = await context_at_fixture(client, model_server, tmp_path, fixture, "rust")
    outlines = [
        s for s in result.sections if s.source == "definition" and s.text.startswith(header)
    ]
    assert outlines, [(s.source, s.path, s.text[:40]) for s in result.sections]
    return [line.strip() for line in outlines[0].text.splitlines()[1:-1]], result.prompt


async def test_a_call_argument_shows_its_parameter_type_with_every_variant(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    variants, prompt = await _outline_at(
        client, model_server, tmp_path, "expected/src/parse.rs", "pub enum ErrorKind {"
    )

    assert "LeadingZero" in variants, variants
    assert "TrailingGarbage" in variants, variants
    assert "TrailingGarbage" in prompt


async def test_a_let_named_after_a_type_shows_its_constructors(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    members, _ = await _outline_at(
        client, model_server, tmp_path, "expected/src/setter.rs", "pub struct Input<'i> {"
    )

    # Its field, then the functions that make an `Input`, then its other methods, whatever
    # their order in the source.
    assert members[1:3] == [
        "pub fn trimmed(text: &'i str) -> Self",
        "pub fn no_trim(text: &'i str) -> Self",
    ], members
