"""Members named around the cursor end to end: `fillin/context` from a real `fillin serve`.

In the `gopkg` fixture's `cli` package, `prepare.go` calls forty of `Command`'s methods,
enough to fill the member list, and then stops at `c.|` after the comment `// Add the
--help and --version flags ourselves.` and a call of `InitDefaultHelpFlag`: the unused
`InitDefaultVersionFlag`, which shares three words with those lines, must still be listed.
The model service is the loopback stand-in and is never called.
"""

from __future__ import annotations

from pathlib import Path

from pytest_lsp import LanguageClient

from tests.lsp.test_requests import context_at_fixture
from tests.modelserver import ModelServer

VERSION = "func (c *Command) InitDefaultVersionFlag()"


async def test_an_unused_member_named_by_the_lines_around_the_cursor_is_listed(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    result = await context_at_fixture(client, model_server, tmp_path, "gopkg/cli/prepare.go", "go")

    outlines = [s.text for s in result.sections if s.source == "member" and VERSION in s.text]
    assert outlines, [(s.source, s.path) for s in result.sections]
    # The list is full: most of the forty used methods are there, not all of them (the
    # rest come in an outline of their own, for the room the prompt leaves).
    assert 10 < outlines[0].count("func (c *Command) Option") < 40, outlines[0]
