"""Secret redaction (context/redact.py): each credential format, the cursor, the limits.

The keys below are fakes in the real formats (AWS's documented example key, random
characters elsewhere); each test checks both that the secret is gone and that ordinary
code around it is left alone.
"""

from __future__ import annotations

import re
import string
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from context.document import Document
from context.prompt.assemble import build_prompt
from context.prompt.redact import (
    _ASSIGNED,
    _CASE_FOLD,
    _RULES,
    Finding,
    _matches,
    redact,
    redact_prompt,
)
from context.prompt.templates import get_template
from context.settings import ContextSettings

SECRETS = [
    ("aws-access-key", 'key = "AKIAIOSFODNN7EXAMPLE"', "AKIAIOSFODNN7EXAMPLE"),
    (
        "aws-secret-key",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    ("github-token", "t = 'ghp_0123456789abcdefABCDEF0123456789abcd'", "ghp_0123456789abcdef"),
    ("github-token", "gho_0123456789abcdefABCDEF0123456789abcd", "gho_0123456789"),
    ("github-token", "ghs_0123456789abcdefABCDEF0123456789abcd", "ghs_0123456789"),
    ("github-token", "github_pat_11ABCDEFG0123456789_abcdefghijKLMNOP", "github_pat_11ABC"),
    ("gitlab-token", "GITLAB = 'glpat-xY3zA9bC7dE5fG1hJ2kL'", "glpat-xY3zA9bC7dE5"),
    ("slack-token", "xoxb-123456789012-1234567890123-AbCdEfGhIjKl", "xoxb-1234567"),
    ("stripe-key", "stripe.api_key = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'", "sk_live_4eC39Hq"),
    ("stripe-key", "rk_live_51H8abcdEFGHijklMNOP", "rk_live_51H8abcd"),
    ("openai-key", "OPENAI = 'sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv'", "sk-proj-Ab3dEf6"),
    ("openai-key", "sk-Ab3dEf6hIj9kLm2nOp5qRs8tUvWx1yZ4aB7c", "sk-Ab3dEf6hIj9"),
    (
        "jwt",
        "auth = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
        "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'",
        "eyJzdWIiOiIxMjM0NTY3ODkwIn0",
    ),
    (
        "private-key",
        "k = '''-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1c7+9z\n"
        "-----END RSA PRIVATE KEY-----'''",
        "MIIEpAIBAAKCAQEA1c7",
    ),
    ("url-credentials", "DB = 'postgres://deploy:s3cr3t-Pa55@db:5432/app'", "s3cr3t-Pa55"),
    ("assigned-secret", 'client_secret = "q9XfT2mB7vLz4KpW"', "q9XfT2mB7vLz4KpW"),
    ("assigned-secret", "export API_TOKEN=9f8e7d6c5b4a3f2e1d0c", "9f8e7d6c5b4a3f2e1d0c"),
]


@pytest.mark.parametrize(("kind", "line", "secret"), SECRETS)
def test_each_format_is_replaced_by_its_placeholder(kind: str, line: str, secret: str) -> None:
    text, findings = redact(f"import os\n{line}\nprint(os.name)\n")
    assert secret not in text
    assert f"<redacted:{kind}>" in text
    assert text.startswith("import os\n") and text.endswith("\nprint(os.name)\n")
    assert findings == (Finding(kind, line_idx=1),)


@pytest.mark.parametrize(
    "line",
    [
        'password = "changeme"',  # a placeholder, not a random value
        "token = get_token(session)",
        "sk-learn-style-kebab-case-name = 1",
        "url = 'https://example.com/path'",
        "digest = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'",
        "AKIAIOSFODNN7EXAMPLEX = 2",  # too long to be an access key id
    ],
)
def test_ordinary_code_is_left_alone(line: str) -> None:
    assert redact(line) == (line, ())


def test_an_unclosed_private_key_is_redacted_to_the_end() -> None:
    text, findings = redact("x = 1\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhki")
    assert text == "x = 1\n<redacted:private-key>"
    assert [f.kind for f in findings] == ["private-key"]


def test_a_secret_split_by_the_cursor_leaves_neither_part_in_the_prompt() -> None:
    source = 'KEY = "AKIAIOSFODNN7EXAMPLE"\nprint(KEY)\n'
    offset = source.index("EXAMPLE")
    document = Document(uri="file:///k.py", text=source, language_id="python")
    template = get_template("codellama")
    prompt = build_prompt(document, offset, ContextSettings(), template, path="k.py")
    redacted, findings = redact_prompt(prompt)
    for part in (redacted.text, redacted.prefix, redacted.suffix):
        assert "AKIAIOSF" not in part and "EXAMPLE" not in part
    assert redacted.prefix.endswith('KEY = "<redacted:aws-access-key>')
    assert redacted.suffix.startswith('"\nprint(KEY)')
    assert [(f.kind, f.source, f.line_idx) for f in findings] == [("aws-access-key", "prefix", 0)]
    sections = {s.source: s.text for s in redacted.sections}
    assert sections["prefix"] == redacted.prefix and sections["suffix"] == redacted.suffix


@pytest.mark.parametrize(
    "crafted",
    [
        "AKIA" * 50_000,
        "ghp_" + "a" * 200_000,
        "-----BEGIN PRIVATE KEY-----" * 10_000,
        "eyJ" + "a" * 100_000 + ".eyJ" * 10_000,
        "http://" + "u:" * 100_000,
        'secret = "' * 20_000,
        "token" * 40_000 + " = ",
    ],
)
def test_redaction_is_linear_on_crafted_input(crafted: str) -> None:
    started = time.perf_counter()
    redact(crafted)
    assert time.perf_counter() - started < 0.5


# Pieces that the scan's literals and the patterns' edges are made of: every format's
# start, separators, quotes, line breaks, and the characters `(?i)` folds to ASCII letters.
_PIECES = [
    *(line for _, line, _ in SECRETS),
    "AKIA", "ghp_", "sk-", "sk_", "rk_", "eyJ", "xox", "glpat-", "github_pat_", "://", "aws",
    "SECRET", "Token", "pass", "passw", "API", "api_key", "Access", "auth", "credential",
    "_live_", "q9XfT2mB7vLz4KpW", "0123456789abcdefABCDEF0123456789abcd", "u:", "@", "=", ":",
    "=>", ":=", '"', "'", "`", " ", "\t", "\n", "export ", "x", "_", "-", ".",
    "\u212a", "\u017f", "\u0131", "\u0130", "é",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_the_literal_scan_finds_what_finditer_finds(text: str) -> None:
    """Each rule's scan near its literals gives exactly `finditer`'s matches, so the
    redacted prompt is the same as a scan of every character would make it."""
    for rule in (*_RULES, *_ASSIGNED):
        folded = text.lower() if text.isascii() else text.translate(_CASE_FOLD)
        expected = [m.span() for m in rule.pattern.finditer(text)]
        assert [m.span() for m in _matches(rule, text, folded)] == expected, rule.kind


def test_the_case_fold_table_is_what_re_folds_to_ascii_letters() -> None:
    """The characters that `(?i)` matches to an ASCII letter are exactly those folded, each
    to the letter it matches."""
    letters = re.compile("(?i)[a-z]")
    folded = {
        chr(c): "".join(x for x in string.ascii_lowercase if re.fullmatch(f"(?i){x}", chr(c)))
        for c in range(0x80, 0x110000)
        if not 0xD800 <= c <= 0xDFFF and letters.fullmatch(chr(c))
    }
    assert folded == {c: c.translate(_CASE_FOLD) for c in "\u0130\u0131\u017f\u212a"}
    assert string.ascii_uppercase.translate(_CASE_FOLD) == string.ascii_lowercase


def test_a_prompt_sized_text_is_redacted_in_a_few_milliseconds() -> None:
    """The scan costs little on ordinary code; every pattern at every character cost 30 ms
    on 9,000 characters of TypeScript, a third of the next keystroke's whole budget."""
    code = Path(__file__).read_text(encoding="utf-8") * 3
    started = time.perf_counter()
    for _ in range(10):
        redact(code)
    assert (time.perf_counter() - started) / 10 < 0.010 * len(code) / 9000
