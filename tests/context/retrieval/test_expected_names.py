"""The type names a Rust line about to be given a value or a return type spells
(`retrieval.expected.named_type_names`), a pure function of the line's text."""

from __future__ import annotations

import pytest

from context.retrieval.expected import named_type_names


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("    let mut parser = ", ["Parser"]),
        ("        error_code: ", ["ErrorCode"]),
        # Rust names an adaptor after the method that makes it.
        ("    fn unique_by<V, F>(self, f: F) -> ", ["UniqueBy"]),
        ("    fn duplicates(self) ->", ["Duplicates"]),
        ("    pub fn into_grouping_map<K, V>(self) -> ", ["IntoGroupingMap", "GroupingMap"]),
        ("    fn iter(&self) -> ", ["Iter"]),
        # No return type is being written: the arrow is behind the cursor's text.
        ("    fn unique(self) -> Unique<Self> ", []),
        ("    let _unused = ", []),
    ],
)
def test_a_rust_line_spells_the_type_it_expects(line: str, names: list[str]) -> None:
    assert named_type_names(line, "rust") == names


def test_other_languages_spell_nothing() -> None:
    assert named_type_names("def unique(self) -> ", "python") == []
