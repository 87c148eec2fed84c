"""Go and Rust context that follows the languages' own scoping, on the `gorust` fixture.

Go: a struct's embedded type lends it its fields (`s.router.|` through `base`); a method
that the package's other files call is ranked first among a type's 120 methods; the name
being assigned (`localNames := f.|`) picks the member sharing its words; a package helper
that the file has not used yet but its siblings call often is listed before sixty others.
Rust: a path's module prefix is told from the type after it (`crate::ser::Error::|` is the
enum's variants), and a namesake type's `impl` in another module is left out.

Each case cuts the rest of a line of the fixture at `$0`, retrieves context as the server
does (real tree-sitter, a real SQLite index of the files on disk) and checks what reaches
the prompt.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from context.prompt.assemble import build_prompt
from context.prompt.templates import TEMPLATES
from context.retrieval.receiver import MAX_MEMBERS, MORE_MEMBERS
from context.retrieval.retrieve import retrieve_sync
from context.settings import ContextSettings, IndexSettings
from context.snippet import Snippet
from context.workspace import Workspace
from tests.context.retrieval.test_members import hole

TEMPLATE = TEMPLATES["qwen2.5-coder"]
SETTINGS = ContextSettings(max_prompt_tokens=2048, retrieval_timeout_ms=2000)


def indexed_copy(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """A workspace over an indexed copy of the fixture folder `source`, closed after use."""
    root = tmp_path_factory.mktemp("repos") / source.name
    shutil.copytree(source, root)
    opened = Workspace(root, IndexSettings(directory=str(root.parent / "index")))
    opened.refresh()
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def workspace(fixtures_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    yield from indexed_copy(fixtures_dir / "lsp" / "gorust", tmp_path_factory)


def context_of(workspace: Workspace, path: str, marked_line: str) -> tuple[list[Snippet], str]:
    """The retrieved snippets and the repository part of the prompt built from them, with
    the hole's document open in the workspace."""
    document, offset = hole(workspace, path, marked_line)
    # Opened as an editor would: the index then holds the document's text, not the disk's.
    workspace.open_document(document)
    try:
        snippets = retrieve_sync(document, offset, workspace, SETTINGS)
    finally:
        workspace.close_document(document.uri)
    prompt = build_prompt(document, offset, SETTINGS, TEMPLATE, snippets, path=path)
    return snippets, "".join(
        s.text for s in prompt.sections if s.source not in ("prefix", "suffix")
    )


def members(snippets: list[Snippet]) -> str:
    return "".join(s.text for s in snippets if s.source == "member")


def test_a_go_field_of_an_embedded_struct_leads_to_its_type(workspace: Workspace) -> None:
    snippets, context = context_of(
        workspace, "go/server/server.go", '\treturn s.router.$0Handle("/")'
    )
    assert "func (r *Router) Handle(path string) int" in members(snippets)
    assert "func (r *Router) Handle(path string) int" in context


def test_a_go_method_the_package_calls_ranks_first_among_120(workspace: Workspace) -> None:
    snippets, context = context_of(
        workspace, "go/server/uint_flag.go", "\tn, _ := f.$0lookupFlag(name)"
    )
    listed = members(snippets)
    wanted = "func (f *FlagSet) lookupFlag(name string) (int, bool)"
    assert wanted in listed
    # The outlines are cut to the best members and the next ones (which follow every other
    # snippet), and the called one comes before the never-called ones that precede it in
    # the source.
    assert listed.count("func (f *FlagSet) Op") < MAX_MEMBERS + MORE_MEMBERS
    assert listed.index(wanted) < listed.index("func (f *FlagSet) Op000() int")
    assert "func (f *FlagSet) lookupFlag(name string) (int, bool)" in context


def test_the_assigned_name_picks_the_member_sharing_its_words(workspace: Workspace) -> None:
    snippets, _ = context_of(workspace, "go/server/names.go", "\tlocalNames := f.$0LocalNames()")
    lines = [line.strip() for line in members(snippets).splitlines()]
    assert lines[1] == "func (f *FlagSet) LocalNames() []string"


def test_a_go_helper_the_package_calls_is_listed_before_sixty_unused(
    workspace: Workspace,
) -> None:
    snippets, context = context_of(workspace, "go/server/fresh.go", "\treturn $0cleanName(name)")
    definitions = "".join(s.text for s in snippets if s.source == "definition")
    assert "func cleanName(s string) string" in definitions
    assert "func cleanName(s string) string" in context


def test_a_rust_path_through_a_module_to_an_enum_lists_its_variants(
    workspace: Workspace,
) -> None:
    snippets, context = context_of(
        workspace, "rust/src/value.rs", "        None => Err(crate::ser::Error::$0KeyNotString),"
    )
    listed = members(snippets)
    assert "KeyNotString" in listed
    assert "pub fn describe(&self) -> &'static str" in listed
    # `de::Error` is another type: its `impl` is not this enum's.
    assert "pub fn custom(msg: &str) -> Self" not in listed
    assert "KeyNotString" in context


def test_a_used_go_constant_brings_its_enumeration(workspace: Workspace) -> None:
    # `FatalLevel` is used in the file; `TraceLevel`, its block's sibling, is used nowhere
    # else and would lose to sixty generated functions listed before it.
    snippets, context = context_of(workspace, "go/server/quiet.go", "\treturn l == $0TraceLevel")
    assert "TraceLevel" in "".join(s.text for s in snippets if s.source == "definition")
    assert "\nTraceLevel\n" in context


def test_a_returned_member_shares_words_with_its_function(workspace: Workspace) -> None:
    snippets, context = context_of(workspace, "go/cmd/main.go", "\treturn server.$0AllLevels")
    assert "AllLevels = makeLevels(5)" in members(snippets)
    assert "AllLevels = makeLevels(5)" in context


def test_a_go_type_assertion_types_its_variable(workspace: Workspace) -> None:
    snippets, _ = context_of(workspace, "go/server/kind.go", '\treturn r.$0Handle("/kind")')
    assert "func (r *Router) Handle(path string) int" in members(snippets)


def test_a_rust_unwrap_keeps_the_option_s_type(workspace: Workspace) -> None:
    snippets, _ = context_of(
        workspace, "rust/src/value.rs", "    crate::ser::find(name).unwrap().$0describe()"
    )
    assert "pub fn describe(&self) -> &'static str" in members(snippets)


def test_a_rust_use_of_self_binds_the_module(workspace: Workspace) -> None:
    snippets, _ = context_of(workspace, "rust/src/value.rs", "    de::$0Error::custom(msg)")
    from_de = [s for s in snippets if s.source == "member" and s.path == "rust/src/de.rs"]
    assert from_de
    assert "pub enum Error" in from_de[0].text


def test_another_package_s_unexported_members_come_last(workspace: Workspace) -> None:
    snippets, _ = context_of(workspace, "go/cmd/main.go", '\treturn f.$0GetInt("port")')
    outline = next(s for s in snippets if s.source == "member" and s.path.endswith("flags.go"))
    listed = [line.strip() for line in outline.text.splitlines()[1:-1]]
    # `values` is FlagSet's first row, but cmd cannot reach it.
    assert listed[0] == "func (f *FlagSet) Op000() int"
    assert "values map[string]int" not in listed


def test_a_go_field_s_type_shares_its_name_s_words(workspace: Workspace) -> None:
    _, context = context_of(workspace, "go/server/hooks.go", "\tBefore $0BeforeFunc")
    assert "type BeforeFunc func() error" in context


def test_a_rust_generic_parameter_has_its_bound_s_methods(workspace: Workspace) -> None:
    snippets, _ = context_of(workspace, "rust/src/buf.rs", "    if src.$0has_remaining() {")
    assert "fn has_remaining(&self) -> bool" in members(snippets)


def test_a_rust_bound_named_by_a_crate_path_is_followed(workspace: Workspace) -> None:
    snippets, _ = context_of(workspace, "rust/src/buf.rs", "    !src.$0has_remaining()")
    assert "fn has_remaining(&self) -> bool" in members(snippets)


def test_a_go_import_with_a_major_version_binds_its_package_clause_s_name(
    workspace: Workspace,
) -> None:
    # `example.com/gorust/kit/v2` declares `package kit`: `kit.` is that folder's package.
    snippets, context = context_of(
        workspace, "go/web/gzip.go", '\theader.Set(kit.$0HeaderContentEncoding, "gzip")'
    )
    assert 'HeaderContentEncoding = "Content-Encoding"' in members(snippets)
    assert 'HeaderContentEncoding = "Content-Encoding"' in context


def test_the_blank_identifier_is_no_package_name(workspace: Workspace) -> None:
    snippets, _ = context_of(workspace, "go/server/fresh.go", "\treturn $0cleanName(name)")
    definitions = "".join(s.text for s in snippets if s.source == "definition")
    assert "func cleanName(s string) string" in definitions
    assert "_ interface{" not in definitions


def test_a_go_function_literal_s_parameter_has_its_type(workspace: Workspace) -> None:
    snippets, context = context_of(
        workspace, "go/server/middleware.go", '\t\treturn rt.$0Handle("/logged")'
    )
    assert "func (r *Router) Handle(path string) int" in members(snippets)
    assert "func (r *Router) Handle(path string) int" in context


def test_a_composite_literal_s_last_key_names_the_value(workspace: Workspace) -> None:
    # `Err:` (not `Path`) is what the value is for: `ErrNoReadlink` shares its word and
    # leads sixty package functions that this file never calls.
    snippets, context = context_of(
        workspace,
        "go/server/links.go",
        '\treturn &linkError{Op: "readlink", Path: name, Err: $0ErrNoReadlink}',
    )
    definitions = "".join(s.text for s in snippets if s.source == "definition")
    assert 'ErrNoReadlink = errors.New("readlink not supported")' in definitions
    assert 'ErrNoReadlink = errors.New("readlink not supported")' in context


def test_a_field_being_assigned_names_the_value(workspace: Workspace) -> None:
    # `r.Accepted = |`: the helper sharing the field's words leads sixty package
    # functions that this file never calls.
    snippets, context = context_of(
        workspace, "go/server/accept.go", "\tr.Accepted = $0parseAccept(header)"
    )
    definitions = "".join(s.text for s in snippets if s.source == "definition")
    assert "func parseAccept(header string) []string" in definitions
    assert "func parseAccept(header string) []string" in context
