"""Java member context on the `javapkg` fixture: a class of the file's own package needs no
import, and a type's private members are out of reach from another class.

`Tube.java` reaches `client.|isSelectorClosed()` through a field typed `Client`, a class of
the same package (folder) that no import names; `Client` has thirty private helpers before
its one public method, which must still lead the outline. Real tree-sitter and a real
SQLite index of the files on disk.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from context.retrieval.retrieve import retrieve_sync
from context.settings import ContextSettings
from context.workspace import Workspace
from tests.context.retrieval.test_go_rust_context import indexed_copy
from tests.context.retrieval.test_members import hole

PATH = "com/acme/net/Tube.java"
WANTED = "public boolean isSelectorClosed()"


@pytest.fixture(scope="module")
def workspace(fixtures_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    yield from indexed_copy(fixtures_dir / "repos" / "javapkg", tmp_path_factory)


def test_a_same_package_class_types_a_field_and_leads_with_its_public_member(
    workspace: Workspace,
) -> None:
    document, offset = hole(workspace, PATH, "        return !client.$0isSelectorClosed();")
    snippets = retrieve_sync(
        document, offset, workspace, ContextSettings(retrieval_timeout_ms=2000)
    )
    outlines = [
        s for s in snippets if s.source == "member" and s.path == "com/acme/net/Client.java"
    ]
    assert outlines, [(s.source, s.path) for s in snippets]
    listed = [line.strip() for line in outlines[0].text.splitlines()[1:]]
    assert listed[0] == WANTED


def test_an_enum_constant_has_its_enum_s_members(workspace: Workspace) -> None:
    document, offset = hole(workspace, PATH, "        return Opcode.CLOSE.$0isControl();")
    snippets = retrieve_sync(
        document, offset, workspace, ContextSettings(retrieval_timeout_ms=2000)
    )
    members = "".join(s.text for s in snippets if s.source == "member")
    assert "public boolean isControl()" in members
