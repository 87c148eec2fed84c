"""Go member context end to end: `fillin/context` from a real `fillin serve` over stdio.

The `gorust` fixture's `hole.go` stops at `f.|` on a type of 120 methods: the method the
package's other files call (`lookupFlag`) must lead the member section, and the line
before it reaches a field of an embedded struct (`s.router`), whose type's method is what
the outline of `Router` shows. The model service is the loopback stand-in and is never
called (`fillin/context` only builds the prompt).
"""

from __future__ import annotations

from pathlib import Path

from pytest_lsp import LanguageClient

from tests.lsp.test_requests import context_at_fixture
from tests.modelserver import ModelServer

LOOKUP = "func (f *FlagSet) lookupFlag(name string) (int, bool)"


async def test_a_big_go_type_shows_the_method_its_package_calls(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    result = await context_at_fixture(
        client, model_server, tmp_path, "gorust/go/server/hole.go", "go"
    )

    outlines = [
        s for s in result.sections if s.source == "member" and s.path == "go/server/flags.go"
    ]
    assert outlines, [(s.source, s.path) for s in result.sections]
    first_lines = outlines[0].text.splitlines()[1:4]
    assert any(line.strip() == LOOKUP for line in first_lines), first_lines
    assert LOOKUP in result.prompt
    # The outline keeps the best members, not all 120 of them.
    assert outlines[0].text.count("func (f *FlagSet) Op") < 24
