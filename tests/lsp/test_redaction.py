"""Secrets never leave the process: a real `fillin serve` over stdio, driven by pytest-lsp,
completing through the loopback model server (tests/modelserver.py), which stands in for
an external model service so that the prompt it receives can be read exactly.

The fixture tests/fixtures/lsp/secrets/deploy.py holds fake credentials in real formats.
"""

from __future__ import annotations

import json

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import initialize, inline_completion, items_of, model_settings, open_fixture
from tests.lsp.test_requests import location
from tests.modelserver import ModelServer

DEPLOY = "secrets/deploy.py"
SECRETS = (
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "ghp_0123456789abcdefABCDEF0123456789abcd",
    "s3cr3t-Pa55",
)


@pytest.mark.parametrize("template", ["codellama", "prefix-only"])
async def test_the_model_server_never_sees_the_secrets(
    client: LanguageClient, model_server: ModelServer, template: str
) -> None:
    model_server.replies = ["return None\n"]
    await initialize(client, model_settings(model_server, template=template))
    opened = open_fixture(client, DEPLOY)

    items = items_of(await inline_completion(client, opened))

    (request,) = model_server.completion_requests
    sent = json.dumps(request.body)
    assert not [secret for secret in SECRETS if secret in sent]
    for kind in ("aws-access-key", "aws-secret-key", "github-token", "url-credentials"):
        assert f"<redacted:{kind}>" in request.body["prompt"]
    # The suggestion lands at the real cursor: redaction changed only the prompt.
    assert [item.insert_text for item in items] == ["return None"]
    assert items[0].range == types.Range(start=opened.position, end=opened.position)


async def test_context_shows_what_was_redacted_but_not_the_secrets(
    client: LanguageClient, model_server: ModelServer
) -> None:
    await initialize(client, model_settings(model_server, template="codellama"))
    opened = open_fixture(client, DEPLOY)

    result = await client.protocol.send_request_async("fillin/context", location(opened))

    found = [(r.kind, r.source, r.line) for r in result.redactions]
    assert found == [
        ("aws-access-key", "prefix", 3),
        ("aws-secret-key", "prefix", 4),
        ("github-token", "prefix", 5),
        ("url-credentials", "prefix", 6),
    ]
    shown = json.dumps([result.prompt, [s.text for s in result.sections]])
    assert not [secret for secret in SECRETS if secret in shown]


async def test_redaction_can_be_turned_off(
    client: LanguageClient, model_server: ModelServer
) -> None:
    model_server.replies = ["return None\n"]
    settings = model_settings(model_server, template="prefix-only")
    settings["privacy"] = {"redactSecrets": False}
    await initialize(client, settings)
    opened = open_fixture(client, DEPLOY)

    await inline_completion(client, opened)

    (request,) = model_server.completion_requests
    assert all(secret in request.body["prompt"] for secret in SECRETS)
