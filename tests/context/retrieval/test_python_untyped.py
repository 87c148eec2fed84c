"""Python member context where the code states no types, on the `py_untyped` fixture (a
`wire` package written without annotations, as much older Python is):

- an untyped parameter is the class that defines the members the file calls on it
  (`m.get_string()`, `m.get_boolean()`: a `Message`), through `retrieval.python_duck`;
- an attribute assigned from an untyped `__init__` parameter is the class it is named
  after (`self.transport`, `self.auth_handler` -> `AuthHandler`);
- a base class and the subclasses overriding its methods score alike: the base wins;
- a receiver whose members no class defines gets no member outline at all;
- a type with more members than the outline lists offers the next ones as a second
  outline, after every other snippet, for the room the prompt leaves;
- a class's definition outline leads with what the package reaches through the class's
  name (`Packetizer.from_socket(sock)`), past the first dozen members in source order.

Each case names a line with the cursor marked `$0`; the rest of the line is removed, as a
user about to type it would have it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from context.retrieval.receiver import MAX_MEMBERS
from context.settings import IndexSettings
from context.workspace import Workspace
from tests.context.retrieval.test_python_evidence import snippets_at


@pytest.fixture(scope="module")
def workspace(fixtures_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    root = tmp_path_factory.mktemp("repos") / "py_untyped"
    shutil.copytree(fixtures_dir / "repos" / "py_untyped", root)
    opened = Workspace(root, IndexSettings(directory=str(root.parent / "index")))
    opened.refresh()
    yield opened
    opened.close()


def test_an_untyped_parameter_is_the_class_of_the_members_used_on_it(
    workspace: Workspace,
) -> None:
    members = snippets_at(workspace, "wire/channel.py", "        width = m.$0get_int()")
    assert [s.path for s in members] == ["wire/message.py"]
    assert members[0].text.startswith("class Message:\n")
    assert "    def get_int(self):\n" in members[0].text


@pytest.mark.parametrize(
    ("marked_line", "header", "member"),
    [
        (
            "        self.transport.$0send_user_message(m)",
            "class Transport:",
            "def send_user_message(self, m):",
        ),
        (
            "        return self.auth_handler.$0wait_for_response(event)",
            "class AuthHandler:",
            "def wait_for_response(self, event):",
        ),
    ],
)
def test_an_untyped_attribute_is_the_class_it_is_named_after(
    workspace: Workspace, marked_line: str, header: str, member: str
) -> None:
    members = snippets_at(workspace, "wire/channel.py", marked_line)
    assert [s.path for s in members] == ["wire/transport.py"]
    assert members[0].text.startswith(header + "\n")
    assert f"    {member}\n" in members[0].text


def test_a_base_and_its_overriding_subclasses_tie_to_the_base(workspace: Workspace) -> None:
    members = snippets_at(
        workspace,
        "wire/channel.py",
        "        return key.get_name(), key.asbytes(), key.$0get_fingerprint()",
    )
    assert [s.path for s in members] == ["wire/keys.py"]
    assert members[0].text.startswith("class PKey:\n")
    assert "    def get_fingerprint(self):\n" in members[0].text


def test_a_receiver_no_class_explains_gets_no_members(workspace: Workspace) -> None:
    assert snippets_at(workspace, "wire/channel.py", "        return thing.$0frobnicate()") == []


def test_a_big_types_next_members_follow_every_other_snippet(workspace: Workspace) -> None:
    found = snippets_at(
        workspace,
        "wire/channel.py",
        "        self.packetizer.$0reset_seqno_out()",
        sources=("member", "definition", "scope"),
    )
    outlines = [s for s in found if s.source == "member"]
    assert [s.path for s in outlines] == ["wire/packetizer.py"] * 2
    best, more = (set(s.text.splitlines()[1:]) for s in outlines)
    assert len(best) == MAX_MEMBERS
    assert not best & more
    assert len(best | more) == 31
    # The file's own uses lead the best; the next ones wait for the room left at the end.
    assert "    def set_inbound_cipher(self):" in best
    assert found[-1] is outlines[-1]


def test_a_class_outline_leads_with_what_the_package_reaches_through_its_name(
    workspace: Workspace,
) -> None:
    """`Packetizer.from_socket` is the last of 31 members, past the outline's first dozen,
    and the package's other files call it through the class's name."""
    found = snippets_at(
        workspace,
        "wire/server.py",
        "    packetizer = $0Packetizer.from_socket(sock)",
        sources=("definition",),
    )
    outline = next(s.text for s in found if s.text.startswith("class Packetizer:"))
    assert outline.splitlines()[1] == "    @classmethod def from_socket(cls, sock):"
    # The rest keep their source order.
    assert outline.splitlines()[2] == "    def set_log(self):"
