"""Go's `x, err := |` end to end: `fillin/context` from a real `fillin serve` over stdio.

In the `gopkg` fixture's `handshake` package sixty helpers are called over a hundred times
by another file; `generateChallengeKey` is called nowhere yet. At `challengeKey, err := |`
the value is the first name's (`challengeKey`), not `err`'s: the same-package function
named like it must be listed, although the sixty are used more. The model service is the loopback
stand-in and is never called (`fillin/context` only builds the prompt).
"""

from __future__ import annotations

from pathlib import Path

from pytest_lsp import LanguageClient

from tests.lsp.test_requests import context_at_fixture
from tests.modelserver import ModelServer

KEY = "func generateChallengeKey() (string, error)"


async def test_the_first_of_several_assigned_names_ranks_the_package_functions(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    result = await context_at_fixture(
        client, model_server, tmp_path, "gopkg/handshake/client.go", "go"
    )

    listed = "".join(s.text for s in result.sections if s.source == "definition")
    assert KEY in listed, [(s.source, s.path) for s in result.sections]
    # Only the best of the package's names are listed, so the sixty do not all fit.
    assert listed.count("func helper") < 60
