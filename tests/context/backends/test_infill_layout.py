"""Reading a llama.cpp server's FIM layout back from its `/infill` answer.

The echoes are the `"prompt"` a real server returns for `PROBE_BODY`: the first is the
session's server (SmolLM2 with FIM tokens declared, as tests/conftest.py patches it);
the others are what llama.cpp writes for a model without repository tokens and for a
server run with `--spm-infill`, built from the same source (`format_prompt_infill`).
"""

from __future__ import annotations

import pytest

from context.backends.infill_layout import PREFIX_MARK, SUFFIX_MARK, template_from_echo
from context.prompt.templates import RepoTokens
from context.snippet import Snippet

SMOLLM2_ECHO = (
    "<repo_name>myproject\n<file_sep>filename\n"
    f"<issue_start>{PREFIX_MARK}<issue_comment>{SUFFIX_MARK}<issue_closed>"
)


def test_the_session_servers_layout_with_repository_tokens() -> None:
    template = template_from_echo(SMOLLM2_ECHO, "server-fim", ("<|endoftext|>",))
    assert template is not None
    assert (template.fim_prefix, template.fim_suffix, template.fim_middle) == (
        "<issue_start>",
        "<issue_comment>",
        "<issue_closed>",
    )
    assert template.repo == RepoTokens("<repo_name>", "<file_sep>", entry_end="\n")
    assert not template.is_suffix_first
    assert template.stop[0] == "<|endoftext|>"
    assert {"<issue_start>", "<issue_comment>", "<issue_closed>", "<file_sep>"} <= set(
        template.stop
    )


def test_the_learned_template_renders_the_servers_layout_with_real_names() -> None:
    """What the server writes for /infill, with the repository and file named and the
    cursor line's head free to follow the middle marker."""
    template = template_from_echo(SMOLLM2_ECHO, "server-fim", ())
    assert template is not None
    snippet = Snippet("definition", "pkg/ops.py", 0, 0, "def sub(a, b): ...\n")
    rendered = template.render("def f():\n", "\nf()\n", [snippet], "shop", "pkg/main.py")
    assert rendered == (
        "<repo_name>shop\n<file_sep>pkg/ops.py\ndef sub(a, b): ...\n"
        "<file_sep>pkg/main.py\n<issue_start>def f():\n<issue_comment>\nf()\n<issue_closed>"
    )


def test_a_model_without_repository_tokens() -> None:
    template = template_from_echo(f"<PRE>{PREFIX_MARK}<SUF>{SUFFIX_MARK}<MID>", "s", ())
    assert template is not None
    assert (template.fim_prefix, template.fim_suffix, template.fim_middle) == (
        "<PRE>",
        "<SUF>",
        "<MID>",
    )
    assert template.repo is None


def test_a_server_that_puts_the_suffix_first() -> None:
    echo = f"<fim_suffix>{SUFFIX_MARK}<fim_prefix>{PREFIX_MARK}<fim_middle>"
    template = template_from_echo(echo, "s", ())
    assert template is not None
    assert template.is_suffix_first
    assert template.render("a", "b") == "<fim_suffix>b<fim_prefix>a<fim_middle>"


@pytest.mark.parametrize(
    "echo",
    [
        "",
        f"{PREFIX_MARK}{SUFFIX_MARK}",  # no tokens between the parts
        f"<a>{PREFIX_MARK}<b>{SUFFIX_MARK}",  # nothing after the suffix
        f"<a>{PREFIX_MARK}<b>{SUFFIX_MARK}<c>{PREFIX_MARK}",  # a marker twice
        f"<a>{PREFIX_MARK}<b>{SUFFIX_MARK}{'x' * 100}",  # not one token
        f"<a>{PREFIX_MARK}  \n{SUFFIX_MARK}<c>",  # blank
    ],
)
def test_a_layout_that_cannot_be_read_gives_none(echo: str) -> None:
    assert template_from_echo(echo, "s", ()) is None
