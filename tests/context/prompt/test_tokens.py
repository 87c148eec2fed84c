"""Token counting and budget truncation (context/tokens.py), with tiktoken kept offline."""

from __future__ import annotations

import hashlib
import inspect
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import tiktoken
import tiktoken.load
from hypothesis import given, settings
from hypothesis import strategies as st

from context.prompt import tokens

PYTHON_SOURCES = sorted(Path(inspect.getfile(inspect)).parent.glob("*.py"))[:80]

# Text with the shapes that matter to the pre-tokenizer: indentation, blank lines with
# blanks, CRLF, tabs, punctuation before line breaks, non-ASCII letters.
code_text = st.lists(
    st.sampled_from(
        [
            "def",
            " f",
            "(x):",
            "\n",
            "\r\n",
            "    ",
            "\t",
            " ",
            "\n\n",
            "  \n",
            "é",
            "日本",
            "}",
            "#",
        ]
    )
    | st.text(max_size=6),
    max_size=60,
).map("".join)


def exact_count(text: str) -> int:
    return len(tokens.load_encoding().encode_ordinary(text))


def numbered_lines(n: int) -> str:
    return "".join(f"line_{i} = compute({i}, 'value')\n" for i in range(n))


def test_counts_small_texts() -> None:
    assert tokens.count_tokens("") == 0
    assert tokens.count_tokens("hello world") == 2
    # Special-token markers in a source file are plain text, not an error.
    assert tokens.count_tokens("<|endoftext|>") > 1


@pytest.mark.parametrize("path", PYTHON_SOURCES, ids=lambda p: p.name)
def test_line_by_line_count_equals_whole_text_count_on_real_sources(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    assert tokens.count_tokens(text) == exact_count(text)


@given(code_text)
@settings(max_examples=300, deadline=None)
def test_line_by_line_count_equals_whole_text_count(text: str) -> None:
    assert tokens.count_tokens(text) == exact_count(text)


@pytest.mark.parametrize(
    ("keep", "first_line", "last_line"),
    [
        (tokens.keep_last_tokens, "line_1", "line_199 = compute(199, 'value')\n"),
        (tokens.keep_first_tokens, "line_0 = ", "line_1"),
    ],
)
def test_truncation_keeps_whole_lines(
    keep: Callable[[str, int], str], first_line: str, last_line: str
) -> None:
    text = numbered_lines(200)
    kept = keep(text, 100)
    assert kept in text
    assert text.startswith(kept) or text.endswith(kept)
    assert kept.startswith(first_line)
    assert kept.endswith(last_line) or kept.endswith("'value')\n")
    assert kept.endswith("\n")
    assert (text.index(kept) == 0) or text[text.index(kept) - 1] == "\n"
    assert 90 <= tokens.count_tokens(kept) <= 100


@pytest.mark.parametrize("keep", [tokens.keep_last_tokens, tokens.keep_first_tokens])
def test_text_within_budget_is_kept_whole(keep: Callable[[str, int], str]) -> None:
    text = numbered_lines(3)
    assert keep(text, 1000) == text
    assert keep(text, 0) == ""


def test_one_long_line_is_cut_mid_line() -> None:
    text = "x" + " + y" * 500
    assert tokens.count_tokens(tokens.keep_last_tokens(text, 10)) == 10
    assert tokens.keep_last_tokens(text, 10).endswith(" + y")
    assert tokens.keep_first_tokens(text, 10).startswith("x + y")


def test_cut_inside_a_multibyte_character_yields_valid_text() -> None:
    text = "😀" * 50
    kept = tokens.keep_last_tokens(text, 7)
    assert text.endswith(kept)
    assert kept and set(kept) == {"😀"}


@given(code_text, st.integers(min_value=0, max_value=40))
@settings(max_examples=300, deadline=None)
def test_truncation_never_exceeds_the_budget(text: str, n_tokens: int) -> None:
    last = tokens.keep_last_tokens(text, n_tokens)
    first = tokens.keep_first_tokens(text, n_tokens)
    assert text.endswith(last)
    assert text.startswith(first)
    assert tokens.count_tokens(last) <= n_tokens
    assert tokens.count_tokens(first) <= n_tokens


def test_bundled_hashes_match_tiktoken() -> None:
    source = inspect.getsource(sys.modules["tiktoken_ext.openai_public"])
    for vocab in tokens._VOCABS.values():
        assert vocab.url in source
        assert vocab.sha256 in source


def test_loads_offline_into_an_empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(blobpath: str) -> bytes:
        raise AssertionError(f"tiktoken tried to fetch {blobpath}")

    # tiktoken's only way to the network is tiktoken.load.read_file (requests or blobfile).
    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    tokens.load_encoding.cache_clear()
    try:
        encoding = tokens.load_encoding("cl100k_base")
        assert isinstance(encoding, tiktoken.Encoding)
        assert encoding.encode_ordinary("hello world") == [15339, 1917]
        assert tokens.load_encoding("o200k_base").name == "o200k_base"
    finally:
        tokens.load_encoding.cache_clear()
    cached = tmp_path / hashlib.sha1(tokens._VOCABS["cl100k_base"].url.encode()).hexdigest()
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == tokens._VOCABS["cl100k_base"].sha256


def test_a_corrupted_cache_file_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    target = tmp_path / hashlib.sha1(tokens._VOCABS["cl100k_base"].url.encode()).hexdigest()
    target.write_bytes(b"garbage")
    assert tokens.install_vocab("cl100k_base") == target
    assert hashlib.sha256(target.read_bytes()).hexdigest() == tokens._VOCABS["cl100k_base"].sha256
