"""A TypeScript namespace of many types, end to end: `fillin/context` from a real
`fillin serve` over stdio.

The `tsnamespace` fixture (on disk): `core/schemas.ts` declares 31 `$Zod...Internals`
interfaces; `schemas.ts` imports them `* as core`, uses twelve of them twice each
(`$ZodStringInternals` first, `$ZodEnumInternals` last), then stops at `_zod: core.|`
inside `interface ZodBase64URL`, whose type it has not used yet. The file's uses say
nothing of that type, and the word every name shares (`zod`) neither; the words of the
lines around the cursor that few names share (`base64`, `url`) do. The model service is
the loopback stand-in and is never called (`fillin/context` only builds the prompt).
"""

from __future__ import annotations

from pathlib import Path

from pytest_lsp import LanguageClient

from tests.lsp.test_requests import context_at_fixture
from tests.modelserver import ModelServer


async def test_the_words_around_the_cursor_pick_a_namespaces_unused_type(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    result = await context_at_fixture(
        client, model_server, tmp_path, "tsnamespace/schemas.ts", "typescript"
    )

    members = [s for s in result.sections if s.source == "member"]
    assert members, [(s.source, s.path) for s in result.sections]
    lines = [line.strip() for line in members[0].text.splitlines() if line.strip()]
    assert lines[0] == "export interface $ZodBase64URLInternals extends $ZodTypeInternals", lines
    # The types the file uses still come before the unused ones that share no such word.
    used = lines.index("export interface $ZodEnumInternals extends $ZodTypeInternals")
    assert used < lines.index("export interface $ZodIPv6Internals extends $ZodTypeInternals")
