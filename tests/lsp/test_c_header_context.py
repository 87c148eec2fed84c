"""C context end to end: `fillin/context` from a real `fillin serve` over stdio.

The `cheaders` fixture's headers decorate their declarations with macros that the
preprocessor defines away (`LIB_EXTERN(int) lib_repo_open(...)`, a line `LIB_EXPORT` before
`size_t lib_repo_count(void);`, `LIB_BEGIN_DECL`), and `types.h` names a struct with a
`typedef` (`typedef struct { ... } lib_open_options;`). `src/hole.c` includes them, uses
their functions and stops at `opts->|`. The model service is the loopback stand-in and is
never called (`fillin/context` only builds the prompt).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_lsp import LanguageClient

from tests.lsp.test_requests import context_at_fixture
from tests.modelserver import ModelServer


async def _context_at_hole(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> Any:
    """`fillin/context` at `src/hole.c`'s cursor, once the fixture is indexed."""
    return await context_at_fixture(client, model_server, tmp_path, "cheaders/src/hole.c", "c")


async def test_declarations_behind_export_macros_reach_the_prompt_as_written(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    result = await _context_at_hole(client, model_server, tmp_path)

    definitions = "".join(s.text for s in result.sections if s.source == "definition")
    # Each function is its own definition, under its own name, with the line as written.
    assert "LIB_EXTERN(int) lib_repo_open(lib_repo **out, const char *path);" in definitions
    assert "LIB_EXTERN(void) lib_repo_free(lib_repo *repo);" in definitions
    assert "size_t lib_repo_count(void);" in definitions
    # The types the code around the cursor uses come from the header that defines them.
    assert "typedef struct lib_repo lib_repo;" in definitions


async def test_members_of_a_typedef_struct_follow_an_arrow(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    result = await _context_at_hole(client, model_server, tmp_path)

    members = [s for s in result.sections if s.source == "member"]
    assert members, [(s.source, s.path) for s in result.sections]
    text = members[0].text
    assert members[0].path == "include/types.h"
    for field in ("unsigned int version;", "const char *workdir_path;", "size_t max_depth;"):
        assert field in text, text
