"""The fill-in-the-middle layout of a llama.cpp server's model, read from its own `/infill` answer.

llama.cpp's `/infill` lays the prompt out with the FIM tokens that the GGUF file declares,
and always puts `input_prefix` before `input_suffix`, so every keystroke on a line changes
the prompt before the suffix and the server evaluates the whole suffix again. fillin's own
rendering puts the cursor line's head after the middle marker instead (context/prompt/
assemble.py), so that only the head's tokens change; it needs the FIM tokens' texts, which
a model with no template that fillin knows does not tell.

The server says them: its answer carries the prompt it evaluated, special tokens written
out (`"prompt"`). `PROBE_BODY` asks it to lay out two marker strings and generate nothing;
`template_from_echo` reads the markers' surroundings back into a `Template`: the prefix,
suffix and middle tokens, the order (suffix first for servers run with `--spm-infill`), and
the repository tokens where the model has them (llama.cpp writes `<fim_rep>myproject\\n`
and `<fim_sep>filename\\n` before the prefix). Prompts rendered with it go to `/completion`,
which parses special tokens in its prompt.

Guarantees: `template_from_echo` returns None unless both markers appear exactly once and
each FIM token read is non-empty, short and free of the markers, so a server that lays
prompts out some other way keeps `/infill`.
"""

from __future__ import annotations

from typing import Any

from context.prompt.templates import RepoTokens, Template

PREFIX_MARK = "fillin-prefix"
SUFFIX_MARK = "fillin-suffix"

PROBE_BODY: dict[str, Any] = {
    "input_prefix": PREFIX_MARK,
    "input_suffix": SUFFIX_MARK,
    "n_predict": 0,
    "cache_prompt": False,
    "stream": False,
}
"""An `/infill` request that shows the layout and costs the server about 20 tokens."""

# What llama.cpp writes after its repository and current-file tokens (server-common.cpp,
# `format_prompt_infill`).
_REPO_LINE = "myproject\n"
_FILE_LINE = "filename\n"
# The longest text taken for one special token; longer means the layout was misread.
_MAX_TOKEN_CHARS = 48


def template_from_echo(echo: str, name: str, stop: tuple[str, ...]) -> Template | None:
    """The template that renders prompts the way the server laid out `echo`, or None.

    `echo` is the `"prompt"` of the server's answer to `PROBE_BODY`; `name` names the
    template; `stop` is kept, with the FIM and repository tokens added to it.
    """
    if echo.count(PREFIX_MARK) != 1 or echo.count(SUFFIX_MARK) != 1:
        return None
    at_prefix, at_suffix = echo.index(PREFIX_MARK), echo.index(SUFFIX_MARK)
    is_suffix_first = at_suffix < at_prefix
    first_at, first_mark = (at_suffix, SUFFIX_MARK) if is_suffix_first else (at_prefix, PREFIX_MARK)
    second_at, second_mark = (
        (at_prefix, PREFIX_MARK) if is_suffix_first else (at_suffix, SUFFIX_MARK)
    )
    head, repo = _split_repo_tokens(echo[:first_at])
    between = echo[first_at + len(first_mark) : second_at]
    middle = echo[second_at + len(second_mark) :]
    fim_prefix, fim_suffix = (between, head) if is_suffix_first else (head, between)
    tokens = [fim_prefix, fim_suffix, middle]
    if repo is not None:
        tokens += [repo.repo_name, repo.file_sep]
    if not all(_is_token_text(t) for t in tokens):
        return None
    return Template(
        name=name,
        fim_prefix=fim_prefix,
        fim_suffix=fim_suffix,
        fim_middle=middle,
        stop=tuple(dict.fromkeys((*stop, *(t.strip() for t in tokens)))),
        repo=repo,
        is_suffix_first=is_suffix_first,
    )


def _split_repo_tokens(head: str) -> tuple[str, RepoTokens | None]:
    """The first FIM token's text, and the repository tokens written before it, if any."""
    repo_at, file_at = head.find(_REPO_LINE), head.find(_FILE_LINE)
    if repo_at <= 0 or file_at < repo_at:
        return head, None
    repo_name = head[:repo_at]
    file_sep = head[repo_at + len(_REPO_LINE) : file_at]
    # The server writes nothing between entries and ends the repository's name with a line
    # break, as Qwen2.5-Coder's training data does: fillin's "\n" entry end renders that.
    return head[file_at + len(_FILE_LINE) :], RepoTokens(
        repo_name=repo_name, file_sep=file_sep, entry_end="\n"
    )


def _is_token_text(text: str) -> bool:
    return (
        bool(text.strip())
        and len(text) <= _MAX_TOKEN_CHARS
        and PREFIX_MARK not in text
        and SUFFIX_MARK not in text
    )
