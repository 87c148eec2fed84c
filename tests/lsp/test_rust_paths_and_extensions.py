"""Rust receivers the code types only indirectly, end to end: `fillin/context` from a real
`fillin serve` over stdio, on the `iterext` fixture crate.

- `src/diff.rs` stops at `put_back(items).|`: a free function called at the chain's head,
  whose stated return type (`-> PutBack<I::IntoIter>`) has `with_value`.
- `benches/sum.rs` stops at `stack.into_iter().|`, a value of no type the crate defines:
  the crate's extension trait, implemented for every iterator (`impl<T: ?Sized> IterExt
  for T where T: Iterator {}`) and imported by the bench, gives `fold_first`.
- `examples/demo.rs` stops at `iterext::free::|`: a path headed by the crate's own name.
- `src/checks.rs` stops at `Probe::|`, imported from a `mod tests { .. }` written inside
  another file (`use crate::probe::tests::Probe;`).
- `src/set.rs` stops at `self.map.|` in `fn sort_unstable`, whose field's type has 41
  methods: the one the method delegates to, `sort_unstable_keys`, shares its name.

The model service is the loopback stand-in and is never called (`fillin/context` only
builds the prompt).
"""

from __future__ import annotations

from pathlib import Path

from pytest_lsp import LanguageClient

from tests.lsp.test_java_member_context import member_sections
from tests.modelserver import ModelServer


async def _member_text(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path, relative: str
) -> str:
    members = await member_sections(client, model_server, tmp_path, f"iterext/{relative}", "rust")
    assert members, "no member section"
    return "".join(section.text for section in members)


async def test_a_function_called_at_the_chains_head_gives_its_return_type(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    text = await _member_text(client, model_server, tmp_path, "src/diff.rs")

    assert "pub fn with_value(mut self, value: I::Item) -> Self" in text


async def test_an_untyped_iterator_gets_the_extension_trait_in_scope(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    text = await _member_text(client, model_server, tmp_path, "benches/sum.rs")

    assert text.startswith("pub trait IterExt: Iterator"), text
    assert "fn fold_first<F>(mut self, f: F) -> Option<Self::Item>" in text


async def test_a_path_headed_by_the_crates_own_name_is_the_crates_module(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    text = await _member_text(client, model_server, tmp_path, "examples/demo.rs")

    assert "pub fn assert_same<I, J>(a: I, b: J)" in text


async def test_a_type_imported_from_an_inline_module_lists_its_functions(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    text = await _member_text(client, model_server, tmp_path, "src/checks.rs")

    assert "pub(crate) fn run_all_probes(check: fn(&[u8]) -> bool) -> usize" in text


async def test_a_delegating_method_shows_its_namesake_among_a_big_types_members(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    members = await member_sections(client, model_server, tmp_path, "iterext/src/set.rs", "rust")
    outlines = [s.text for s in members if "pub fn sort_unstable_keys(&mut self)" in s.text]
    assert outlines, [s.text for s in members]
    # The type is too big to show whole: the first outline is the ranked few (the rest come
    # in an outline of their own, for the room the prompt leaves).
    assert "pub fn entry_helper_39(&self) -> usize" not in outlines[0]
    assert outlines[0] == members[0].text
