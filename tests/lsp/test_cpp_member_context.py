"""C++ member context end to end: `fillin/context` from a real `fillin serve` over stdio.

The `cppscopes` fixture's `include/parser.hpp` stops at `m_lexer.|` in a method of a class
template whose field `m_lexer` is declared with the class's own alias (`using lexer_t =
lexer<CharT>;`); `src/report.cpp` stops at `detail::|`, a namespace that
`include/lexer.hpp` opens inside `namespace lib`; `include/counter.hpp` stops at
`position.|`, a field declared with brace initialisation (`detail::position_t position
{};`) after one of a nested template type. The model service is the loopback stand-in and
is never called (`fillin/context` only builds the prompt).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_lsp import LanguageClient

from tests.lsp.test_java_member_context import member_sections
from tests.modelserver import ModelServer


async def _members_at(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path, relative: str
) -> list[Any]:
    return await member_sections(client, model_server, tmp_path, f"cppscopes/{relative}", "cpp")


async def test_a_bare_field_typed_by_a_class_alias_shows_the_aliased_templates_members(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    members = await _members_at(client, model_server, tmp_path, "include/parser.hpp")

    assert members, "no member section"
    assert members[0].path == "include/lexer.hpp"
    assert "class lexer" in members[0].text
    assert "constexpr position_t get_position() const noexcept" in members[0].text


async def test_a_namespace_qualifier_shows_the_names_the_namespace_declares(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    members = await _members_at(client, model_server, tmp_path, "src/report.cpp")

    assert members, "no member section"
    text = "".join(section.text for section in members)
    assert "inline std::string concat(const std::string& a, const std::string& b)" in text
    assert "class lexer" in text


async def test_a_brace_initialised_field_is_typed_by_its_declaration(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    members = await _members_at(client, model_server, tmp_path, "include/counter.hpp")

    assert members, "no member section"
    assert members[0].path == "include/lexer.hpp"
    assert "std::size_t chars_read_total = 0;" in members[0].text


async def test_a_cpp_header_ending_in_h_shows_its_class_members(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    """The `cppheaders` fixture's headers end in `.h` and hold C++ (`namespace text`,
    `class text_style`): `include/text/buffer.h` stops at `style_.|`, a field whose class
    `include/text/style.h` defines."""
    members = await member_sections(
        client, model_server, tmp_path, "cppheaders/include/text/buffer.h", "cpp"
    )

    assert members, "no member section"
    assert members[0].path == "include/text/style.h"
    assert "class text_style" in members[0].text
    assert "constexpr bool has_foreground() const noexcept" in members[0].text
