"""Secret redaction: credentials in a prompt are replaced by `<redacted:KIND>` placeholders.

`redact` finds well-known credential formats (AWS access keys and secret keys; GitHub,
GitLab, Slack, Stripe and OpenAI-style tokens; JWTs; PEM private key blocks; the password
of a `scheme://user:password@host` URL) and high-entropy values assigned to names that
say "secret" (`api_key = "..."`, `TOKEN=...`), and returns the text with each replaced.
`redact_prompt` applies it to a whole `Prompt`: its rendered text, its prefix and suffix
(read as one text, so a secret the cursor splits is still found) and every snippet.

Guarantees:

- Pure functions of their input; nothing is logged, and a `Finding` holds the kind and
  the place of a secret, never its text.
- Every pattern is linear in its input: fixed prefixes and bounded character classes,
  no nested quantifiers over overlapping classes; PEM blocks are found with `str.find`.
- Only prompt text changes: document offsets, and so the suggestion's place, are those of
  the real document.

The patterns are modelled on detect-secrets' and gitleaks' rules, written here because
detect-secrets scans files line by line through global plugin settings and reports
lines, not the spans a replacement needs, and its entropy plugins flag every random
string literal in code (hashes, test vectors) where fillin only needs assigned secrets.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from context.literal_scan import matches_near

if TYPE_CHECKING:
    from context.prompt.assemble import Prompt


@dataclass(frozen=True)
class _Rule:
    """One kind's pattern, and the literals that every match of it starts near.

    `starts` are literals of which one occurs in every match, at most `back` characters
    after the match's start (or, for a rule `at_line_start`, on the line the match starts);
    `is_folded` says they are to be found in the text case-folded as `(?i)` folds it. The
    scan tries the pattern only where a literal occurs: a few `str.find` calls instead of a
    regex attempt at every character (the slowest patterns cost 5 ms on 9,000 characters).
    """

    kind: str
    pattern: re.Pattern[str]
    starts: tuple[str, ...]
    back: int = 0
    is_folded: bool = False
    at_line_start: bool = False


# The group named `secret`, where there is one, is the part replaced (so
# `aws_secret_access_key = ` stays readable for the model).
_RULES: tuple[_Rule, ...] = (
    _Rule(
        "aws-access-key",
        re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"),
        ("AKIA", "ASIA", "ABIA", "ACCA"),
    ),
    _Rule(
        "aws-secret-key",
        re.compile(
            r"(?i)aws_?secret_?(?:access_?)?key\w{0,20}[\"']?\s{0,4}[:=]{1,2}>?\s{0,4}[\"']?"
            r"(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
        ),
        ("aws",),
        is_folded=True,
    ),
    _Rule(
        "github-token",
        re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b"),
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
    ),
    _Rule("github-token", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,255}"), ("github_pat_",)),
    _Rule("gitlab-token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,255}"), ("glpat-",)),
    _Rule("slack-token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,255}"), ("xox",)),
    _Rule(
        "stripe-key", re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,255}"), ("sk_", "rk_")
    ),
    _Rule(
        "openai-key",
        re.compile(r"\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,255}|\bsk-[A-Za-z0-9]{32,255}\b"),
        ("sk-",),
    ),
    _Rule(
        "jwt",
        re.compile(r"\beyJ[A-Za-z0-9_-]{4,4096}\.eyJ[A-Za-z0-9_-]{4,4096}\.[A-Za-z0-9_-]{4,4096}"),
        ("eyJ",),
    ),
    _Rule(
        "url-credentials",
        re.compile(
            r"\b[A-Za-z][A-Za-z0-9+.-]{0,20}://[^\s/:@\"'<>]{1,256}:"
            r"(?P<secret>[^\s/@\"'<>]{1,256})@"
        ),
        ("://",),
        # The scheme: one letter and up to 20 more characters before `://`.
        back=21,
    ),
)

# A value assigned to a name that says it is secret: quoted anywhere, or unquoted in an
# env-file style `NAME=value` line. Only values that look random count (see `_is_random`).
_SECRET_NAME = r"(?:secret|token|passw(?:or)?d|passwd|api_?key|access_?key|auth_?key|credential)"
_SECRET_NAME_STARTS = ("secret", "token", "passw", "api", "access", "auth", "credential")
_ASSIGNED = (
    _Rule(
        "assigned-secret",
        re.compile(
            rf"(?i){_SECRET_NAME}\w{{0,40}}[\"']?\s{{0,4}}(?::=|=>|[:=])\s{{0,4}}(?P<quote>[\"'`])"
            r"(?P<secret>[^\"'`\s]{8,256})(?P=quote)"
        ),
        _SECRET_NAME_STARTS,
        is_folded=True,
    ),
    _Rule(
        "assigned-secret",
        re.compile(
            rf"(?im)^[ \t]{{0,8}}(?:export[ \t]+)?[A-Z0-9_]{{0,40}}{_SECRET_NAME.upper()}"
            r"[A-Z0-9_]{0,40}=(?P<secret>[^\s\"'`#]{8,256})$"
        ),
        _SECRET_NAME_STARTS,
        is_folded=True,
        at_line_start=True,
    ),
)
_CASE_FOLD = str.maketrans(
    {
        **{chr(c): chr(c).lower() for c in range(ord("A"), ord("Z") + 1)},
        "\u0130": "i",
        "\u0131": "i",
        "\u017f": "s",
        "\u212a": "k",
    }
)
"""Every character that `(?i)` matches to an ASCII letter, mapped to it, and nothing else:
the dotted capital I and the dotless i are an `i`, the long s an `s` and the Kelvin sign
a `k` to Python's `re`
(tests check the table against `re` itself). Lengths stay the same, so do offsets."""
_MIN_ENTROPY_BITS = 3.0
"""Shannon entropy per character above which an assigned value is taken for a secret;
words and placeholders (`changeme`, `your-token-here`) stay below."""

_PEM_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY( BLOCK)?-----")
_PEM_END = "-----END "


@dataclass(frozen=True)
class Finding:
    """One secret found: its kind, and where it was (a prompt section and a 0-based line)."""

    kind: str
    source: str = ""
    path: str = ""
    line_idx: int = 0


def placeholder(kind: str) -> str:
    """What a secret of `kind` is replaced by."""
    return f"<redacted:{kind}>"


def redact(text: str) -> tuple[str, tuple[Finding, ...]]:
    """`text` with every secret replaced, and what was found (lines relative to `text`)."""
    spans = _ordered_spans(text)
    parts: list[str] = []
    findings: list[Finding] = []
    at = 0
    for start, end, kind in spans:
        if start < at:
            continue  # Overlaps a secret already replaced (e.g. a JWT inside a URL).
        parts += (text[at:start], placeholder(kind))
        findings.append(Finding(kind, line_idx=text.count("\n", 0, start)))
        at = end
    parts.append(text[at:])
    return "".join(parts), tuple(findings)


def redact_prompt(prompt: Prompt) -> tuple[Prompt, tuple[Finding, ...]]:
    """The prompt with every secret replaced in every part, and what was found where.

    The prefix and suffix are searched as one text, so a key that the cursor splits is
    found; its part after the cursor is dropped from the suffix.
    """
    prefix, suffix, around_cursor = _redact_around_cursor(prompt.prefix, prompt.suffix)
    text = prompt.text
    for old, new in ((prompt.prefix, prefix), (prompt.suffix, suffix)):
        if old and old != new:
            text = text.replace(old, new, 1)
    findings: list[Finding] = []
    sections = []
    for section in prompt.sections:
        if section.source in ("prefix", "suffix"):
            new_text = prefix if section.source == "prefix" else suffix
            sections.append(replace(section, text=new_text))
            continue
        new_text, found = redact(section.text)
        sections.append(replace(section, text=new_text))
        findings += (
            Finding(f.kind, section.source, section.path, section.start_line + f.line_idx)
            for f in found
        )
    first_line = next((s.start_line for s in prompt.sections if s.source == "prefix"), 0)
    path = next((s.path for s in prompt.sections if s.source == "prefix"), "")
    findings += (Finding(f.kind, f.source, path, first_line + f.line_idx) for f in around_cursor)
    snippets = []
    for snippet in prompt.snippets:
        new_text, _ = redact(snippet.text)
        if new_text != snippet.text:
            text = text.replace(snippet.text, new_text)
        snippets.append(replace(snippet, text=new_text))
    # Whatever a template put around the parts (labels, paths) is searched as well.
    text, _ = redact(text)
    redacted = replace(
        prompt,
        text=text,
        prefix=prefix,
        suffix=suffix,
        snippets=tuple(snippets),
        sections=tuple(sections),
        # The layout's tail is the end of the prefix, so it is redacted like it.
        tail=redact(prompt.tail)[0] if prompt.tail else "",
    )
    return redacted, tuple(findings)


def count_by_kind(findings: tuple[Finding, ...]) -> dict[str, int]:
    """How many secrets of each kind were found."""
    return dict(Counter(f.kind for f in findings))


def _ordered_spans(text: str) -> list[tuple[int, int, str]]:
    """Every secret's span, by start; where two start together, a named format wins over
    an assigned secret, and the longer span over the shorter."""
    return sorted(_spans(text), key=lambda s: (s[0], s[2] == "assigned-secret", -s[1]))


def _spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, kind) of every secret in `text`, in no particular order."""
    # ASCII text folds as `lower()` folds it, which is faster than a translation table.
    folded = text.lower() if text.isascii() else text.translate(_CASE_FOLD)
    for rule in _RULES:
        for match in _matches(rule, text, folded):
            yield (*_secret_span(match), rule.kind)
    for rule in _ASSIGNED:
        for match in _matches(rule, text, folded):
            if _is_random(match.group("secret")):
                yield (*match.span("secret"), rule.kind)
    yield from _pem_blocks(text)


def _matches(rule: _Rule, text: str, folded: str) -> Iterator[re.Match[str]]:
    """What `rule.pattern.finditer(text)` finds, trying the pattern only near its literals."""
    return matches_near(
        rule.pattern,
        text,
        rule.starts,
        haystack=folded if rule.is_folded else text,
        back=rule.back,
        at_line_start=rule.at_line_start,
    )


def _secret_span(match: re.Match[str]) -> tuple[int, int]:
    if "secret" in match.re.groupindex:
        return match.span("secret")
    return match.span()


def _pem_blocks(text: str) -> Iterator[tuple[int, int, str]]:
    """Private key blocks, BEGIN line to END line; one left open runs to the end."""
    at = 0
    while (begin := _PEM_BEGIN.search(text, at)) is not None:
        end_marker = text.find(_PEM_END, begin.end())
        if end_marker == -1:
            yield begin.start(), len(text), "private-key"
            return
        line_end = text.find("-----", end_marker + len(_PEM_END))
        end = len(text) if line_end == -1 else line_end + len("-----")
        yield begin.start(), end, "private-key"
        at = end


def _is_random(value: str) -> bool:
    """Whether `value` looks like a generated secret rather than a word or a placeholder."""
    counts = Counter(value)
    n = len(value)
    entropy = -sum(c / n * math.log2(c / n) for c in counts.values())
    return entropy >= _MIN_ENTROPY_BITS and any(ch.isdigit() for ch in value)


def _redact_around_cursor(prefix: str, suffix: str) -> tuple[str, str, tuple[Finding, ...]]:
    """The redacted prefix and suffix, searched as one text, and what was found (lines
    counted from the prefix's start; a secret belongs to the part where it starts)."""
    joined = prefix + suffix
    cursor = len(prefix)
    new_prefix: list[str] = []
    new_suffix: list[str] = []
    findings: list[Finding] = []
    at = 0
    for start, end, kind in _ordered_spans(joined):
        if start < at:
            continue
        source = "prefix" if start < cursor else "suffix"
        findings.append(Finding(kind, source, line_idx=joined.count("\n", 0, start)))
        if start < cursor:
            new_prefix += (joined[at:start], placeholder(kind))
        else:
            if at < cursor:
                new_prefix.append(joined[at:cursor])
                at = cursor
            new_suffix += (joined[at:start], placeholder(kind))
        # A secret that runs past the cursor leaves the suffix too.
        at = end
    if at < cursor:
        new_prefix.append(joined[at:cursor])
        at = cursor
    new_suffix.append(joined[at:])
    return "".join(new_prefix), "".join(new_suffix), tuple(findings)
