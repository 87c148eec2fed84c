"""Java member context end to end: `fillin/context` from a real `fillin serve` over stdio.

The `javanested` fixture's `Decoder.java` imports a nested enum (`import
com.acme.ws.Frame.Opcode;`, which resolves to `Frame.java`) and stops at
`Opcode.CLOSE.|`; `Pusher.java` stops at `group.|` inside a lambda, where `group` is a local
declared `Group<?> group = groups.get(name);` (a value whose type takes a map's type
arguments to guess; the declaration states it); `app/Report.java` stops at `com.acme.ws.|`,
a package named in full. The model service is the loopback
stand-in and is never called (`fillin/context` only builds the prompt).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_lsp import LanguageClient

from tests.lsp.test_requests import context_at_fixture
from tests.modelserver import ModelServer


async def member_sections(
    client: LanguageClient,
    model_server: ModelServer,
    tmp_path: Path,
    relative: str,
    language_id: str,
) -> list[Any]:
    """The member sections of `fillin/context` at the cursor of the fixture `relative`
    (`folder/path`), once the fixture's folder is indexed."""
    result = await context_at_fixture(client, model_server, tmp_path, relative, language_id)
    return [s for s in result.sections if s.source == "member"]


async def _members_at(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path, relative: str
) -> list[Any]:
    return await member_sections(
        client, model_server, tmp_path, f"javanested/com/acme/{relative}", "java"
    )


async def test_an_imported_nested_enums_constant_shows_the_enums_members(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    members = await _members_at(client, model_server, tmp_path, "ws/Decoder.java")

    assert members, "no member section"
    assert members[0].path == "com/acme/ws/Frame.java"
    assert members[0].text.startswith("enum Opcode")
    assert "boolean isControl()" in members[0].text


async def test_a_locals_stated_type_wins_over_its_value_inside_a_lambda(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    members = await _members_at(client, model_server, tmp_path, "ws/Pusher.java")

    assert members, "no member section"
    assert members[0].path == "com/acme/ws/Group.java"
    assert "synchronized void pushError(Throwable t)" in members[0].text


async def test_a_package_named_in_full_shows_its_classes(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    members = await _members_at(client, model_server, tmp_path, "app/Report.java")

    text = "".join(section.text for section in members)
    assert "class Group<T>" in text, [s.path for s in members]
    assert "final class Frame" in text


async def test_a_cast_receiver_shows_the_cast_types_members(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    """The `javacast` fixture's `Export.java` stops at `((Node) prefs).|`, a parameter of
    type `Object` cast to the package's `Node`."""
    members = await member_sections(
        client, model_server, tmp_path, "javacast/com/acme/prefs/Export.java", "java"
    )

    assert members, "no member section"
    assert members[0].path == "com/acme/prefs/Node.java"
    assert "protected boolean isRemoved()" in members[0].text


async def test_a_delegating_method_shows_its_namesake_among_a_big_types_members(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    """The `javacast` fixture's `Cached.java` stops at `backing.|` in `flushPending()`,
    whose field's class has 31 methods: the one it delegates to shares its name."""
    members = await member_sections(
        client, model_server, tmp_path, "javacast/com/acme/prefs/Cached.java", "java"
    )

    assert members, "no member section"
    assert "public void flushPending()" in members[0].text
    assert "public int readEntry29()" not in members[0].text
