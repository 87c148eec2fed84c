"""Token-budgeted prompt assembly: the prefix, the suffix and repository context in one prompt.

`build_prompt` splits `ContextSettings.max_prompt_tokens` between the code before the cursor,
the code after it and retrieved snippets by `prefix_share` and `suffix_share` (repository
context gets the rest); a part that needs less than its share gives the rest to the others.
The layout is cache-aware, ordered by how rarely each part changes, so that a model
server's prompt cache (llama.cpp's `cache_prompt`, vLLM's prefix caching, Ollama's reuse)
sees a long common start from one request to the next: repository context first (in an
order that does not follow scores), then the prefix window, whose first line is anchored
at a multiple of a step (an eighth of the window, at most `ANCHOR_LINES`) so that it moves
in coarse steps as the cursor moves, then the suffix; with a FIM template the cursor line's
head (`Prompt.tail`) comes last, after the middle marker, so typing on a line changes only
the prompt's end. The parts are sized as if the head had a multiple of `TYPING_STEP_TOKENS`
tokens, so a keystroke that adds a token at the cursor does not push the weakest snippet or
the window's first line out (either would change the prompt's start, which the server would
then evaluate again).

Guarantees:

- The rendered prompt, template tokens and path labels included, never exceeds
  `max_prompt_tokens` tokens (counted with tiktoken through `context.prompt.tokens`).
- The prefix is trimmed from its start and the suffix from its end at line boundaries, except
  when the cursor's own line alone is over budget; a snippet is never cut mid-line.
- Snippets that repeat lines already in the prefix or suffix window are dropped.
- Only the lines that can fit are tokenized, one line at a time with a cache, so the cost
  does not grow with the size of the file and typing re-tokenizes one line; the whole
  rendered prompt is counted once more, exactly.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from context.document import Document
from context.prompt.templates import Template
from context.prompt.tokens import count_tokens, keep_first_tokens, keep_last_tokens
from context.settings import ContextSettings
from context.snippet import Snippet

if TYPE_CHECKING:
    from context.prompt.redact import Finding

# Tokens that a snippet's label costs beyond its text and path, as an estimate used while
# choosing snippets; the final exact count corrects any difference.
_LABEL_TOKENS = 6

ANCHOR_LINES = 16
"""The longest step in which the prefix window's first line moves."""

TYPING_STEP_TOKENS = 32
"""The step in which the cursor line's head is counted when the parts are sized."""

# The order in which sources' snippets are laid out, most stable first.
_SOURCE_ORDER = {"definition": 0, "scope": 1, "similar": 2, "recent": 3}


@dataclass(frozen=True)
class Section:
    """One labelled part of a prompt: the prefix, the suffix or one snippet.

    `source` is "prefix", "suffix" or the snippet's retrieval source; lines are 0-based and
    `end_line` is inclusive.
    """

    source: str
    path: str
    start_line: int
    end_line: int
    n_tokens: int
    text: str


@dataclass(frozen=True)
class Prompt:
    """A rendered prompt and the parts it was made of."""

    text: str
    prefix: str
    suffix: str
    snippets: tuple[Snippet, ...]
    sections: tuple[Section, ...]
    n_tokens: int
    budget_tokens: int
    tail: str = ""
    """The end of `prefix` that the layout put last (after the FIM middle marker)."""
    redactions: tuple[Finding, ...] = ()
    """The secrets replaced by placeholders before the prompt left the process."""


def build_prompt(
    document: Document,
    offset: int,
    settings: ContextSettings,
    template: Template,
    snippets: Sequence[Snippet] = (),
    *,
    repo_name: str = "",
    path: str = "",
) -> Prompt:
    """Assemble the prompt for a completion at `offset` of `document` within the budget.

    `snippets` come best first (as `retrieve` returns them); `path` labels the current file
    for templates that name files. An offset outside the text is clamped.
    """
    offset = max(0, min(offset, len(document.text)))
    budget = settings.max_prompt_tokens
    label_repo, label_path = repo_name, path
    overhead = _n_tokens(template.render("", "", (), repo_name=label_repo, path=label_path))
    if overhead * 2 > budget:
        # Labels that would take half the budget (a very long path) are left out.
        label_repo = label_path = ""
        overhead = _n_tokens(template.render("", "", ()))
    available = max(0, budget - overhead)
    cursor_line = document.position_at(offset, "utf-32")[0]

    candidates = _distinct(snippets)
    costs = [_n_tokens(s.text) + _n_tokens(s.path) + _LABEL_TOKENS for s in candidates]
    prefix = _prefix_lines(document, offset, cursor_line, available)
    # The suffix can get its share plus what the prefix and context leave of theirs; lines
    # beyond that are never counted.
    prefix_cap, suffix_cap, context_cap = _caps(
        available, settings.prefix_share, settings.suffix_share
    )
    prefix_floor = min(prefix.n_tokens(), prefix_cap)
    suffix_limit = max(suffix_cap, available - prefix_floor - min(sum(costs), context_cap))
    suffix = _suffix_lines(document, offset, cursor_line, suffix_limit)

    prefix_quota, suffix_quota, context_quota = _allocate(
        available,
        wants=(prefix.n_tokens(), suffix.n_tokens(), sum(costs)),
        shares=(settings.prefix_share, settings.suffix_share),
    )
    n_prefix = _anchored(prefix.fitting(prefix_quota), cursor_line)
    n_suffix = suffix.fitting(suffix_quota)
    if path:
        window = (cursor_line - n_prefix + 1, cursor_line + n_suffix - 1)
        shown = _WindowLines(prefix.text(n_prefix) + "\n" + suffix.text(n_suffix))
        outside = [not _is_in_window(s, path, window, shown) for s in candidates]
        candidates = [s for s, keep in zip(candidates, outside, strict=True) if keep]
        costs = [c for c, keep in zip(costs, outside, strict=True) if keep]
    chosen = _choose_snippets(candidates, costs, context_quota)

    # The per-line counts above are close but not exact (tokens merge across line and part
    # boundaries, and templates label snippets their own way): count the rendered prompt
    # and give back tokens until it fits: the weakest snippet first, then suffix lines,
    # then prefix lines from the top, then the file labels.
    head = prefix.pieces[0] if template.is_fim else ""
    while True:
        prefix_text = prefix.text(n_prefix)
        suffix_text = suffix.text(n_suffix)
        laid_out = _laid_out(chosen)
        tail = head if n_prefix > 0 else ""
        text = (
            template.render(
                prefix_text[: len(prefix_text) - len(tail)],
                suffix_text,
                laid_out,
                repo_name=label_repo,
                path=label_path,
            )
            + tail
        )
        n_tokens = count_tokens(text)
        excess = n_tokens - budget
        if excess <= 0:
            break
        if chosen:
            chosen = chosen[:-1]
        elif n_suffix > 0:
            n_suffix = suffix.fitting(suffix.n_tokens(n_suffix) - excess, below=n_suffix)
        elif n_prefix > 0:
            n_prefix = prefix.fitting(prefix.n_tokens(n_prefix) - excess, below=n_prefix)
        elif label_repo or label_path:
            # Labels alone over the budget: the prompt goes without them.
            label_repo = label_path = ""
        else:
            break

    sections = _sections(path, cursor_line, prefix_text, suffix_text, laid_out, n_prefix)
    return Prompt(
        text=text,
        prefix=prefix_text,
        suffix=suffix_text,
        snippets=laid_out,
        sections=sections,
        n_tokens=n_tokens,
        budget_tokens=budget,
        tail=tail,
    )


def _anchored(n_prefix: int, cursor_line: int) -> int:
    """`n_prefix` pieces or fewer, so that the window's first line is a multiple of a step
    of up to `ANCHOR_LINES` lines; a window that reaches the file's first line is kept whole.

    The step is an eighth of the window, so that anchoring gives up little of a small one.
    """
    first_line = cursor_line - n_prefix + 1
    step = min(ANCHOR_LINES, n_prefix // 8)
    if step <= 1 or first_line <= 0:
        return n_prefix
    anchor = -(-first_line // step) * step
    return max(1, cursor_line - anchor + 1)


@dataclass(frozen=True)
class _Lines:
    """Whole lines walked away from the cursor, with their running token counts.

    `pieces[0]` is the cursor's own line (its part before or after the cursor); each next
    piece is one line further away. `totals[k]` counts the first k + 1 pieces.
    """

    pieces: tuple[str, ...]
    totals: tuple[int, ...]
    is_before_cursor: bool

    def n_tokens(self, n_pieces: int | None = None) -> int:
        """The token count of the first `n_pieces` pieces (all of them by default)."""
        n = len(self.pieces) if n_pieces is None else n_pieces
        return self.totals[n - 1] if n > 0 else 0

    def fitting(self, quota: int, below: int | None = None) -> int:
        """How many pieces fit in `quota` tokens (fewer than `below` when given)."""
        n = bisect.bisect_right(self.totals, quota)
        return min(n, below - 1) if below is not None else n

    def text(self, n_pieces: int) -> str:
        """The text of the first `n_pieces` pieces in document order."""
        kept = self.pieces[:n_pieces]
        return "".join(reversed(kept)) if self.is_before_cursor else "".join(kept)


def _prefix_lines(document: Document, offset: int, cursor_line: int, limit: int) -> _Lines:
    """The cursor line's head, then whole lines upwards, until `limit` tokens are reached."""
    starts = document.line_starts
    head = document.text[starts[cursor_line] : offset]
    pieces = [head]
    if _n_tokens(head) > limit:
        # Not even the cursor's line fits: its end, and no line before it.
        pieces = [keep_last_tokens(head, limit)]
        return _Lines(tuple(pieces), (_n_tokens(pieces[0]),), is_before_cursor=True)
    totals = [_typing_reserve(_n_tokens(head))]
    line_idx = cursor_line - 1
    while line_idx >= 0:
        piece = document.text[starts[line_idx] : starts[line_idx + 1]]
        total = totals[-1] + _n_tokens(piece)
        if total > limit:
            break
        pieces.append(piece)
        totals.append(total)
        line_idx -= 1
    return _Lines(tuple(pieces), tuple(totals), is_before_cursor=True)


def _suffix_lines(document: Document, offset: int, cursor_line: int, limit: int) -> _Lines:
    """The rest of the cursor line, then whole lines downwards, until `limit` tokens."""
    starts = document.line_starts
    text = document.text
    n_lines = len(starts)

    def line_end(line_idx: int) -> int:
        return starts[line_idx + 1] if line_idx + 1 < n_lines else len(text)

    tail = text[offset : line_end(cursor_line)]
    if _n_tokens(tail) > limit:
        # Not even the rest of the cursor's line fits: its start, and no line after it.
        cut = keep_first_tokens(tail, limit)
        return _Lines((cut,), (_n_tokens(cut),), is_before_cursor=False)
    pieces = [tail]
    totals = [_n_tokens(tail)]
    for line_idx in range(cursor_line + 1, n_lines):
        piece = text[starts[line_idx] : line_end(line_idx)]
        total = totals[-1] + _n_tokens(piece)
        if total > limit:
            break
        pieces.append(piece)
        totals.append(total)
    return _Lines(tuple(pieces), tuple(totals), is_before_cursor=False)


def _typing_reserve(n_head_tokens: int) -> int:
    """What the cursor line's head counts for while the prompt is laid out: its tokens
    rounded up to the next multiple of `TYPING_STEP_TOKENS`, so that a keystroke leaves
    every other part as it was and only a line that grows past a step moves them."""
    return -(-(n_head_tokens + 1) // TYPING_STEP_TOKENS) * TYPING_STEP_TOKENS


@lru_cache(maxsize=1 << 16)
def _n_tokens(text: str) -> int:
    """`count_tokens`, remembered: lines and snippets repeat from one keystroke to the next."""
    return count_tokens(text)


def _allocate(
    available: int, wants: tuple[int, int, int], shares: tuple[float, float]
) -> tuple[int, int, int]:
    """Split `available` tokens between prefix, suffix and context.

    Each part first gets the smaller of its share and what it wants; what is left over goes
    to the parts that want more, the prefix first, then repository context, then the suffix.
    """
    caps = _caps(available, *shares)
    quotas = [min(want, cap) for want, cap in zip(wants, caps, strict=True)]
    spare = available - sum(quotas)
    for idx in (0, 2, 1):
        extra = min(spare, wants[idx] - quotas[idx])
        quotas[idx] += extra
        spare -= extra
    return quotas[0], quotas[1], quotas[2]


def _caps(available: int, prefix_share: float, suffix_share: float) -> tuple[int, int, int]:
    """The shares of `available` tokens: (prefix, suffix, repository context)."""
    suffix_share = min(suffix_share, max(0.0, 1.0 - prefix_share))
    prefix_cap = int(available * prefix_share)
    suffix_cap = int(available * suffix_share)
    return prefix_cap, suffix_cap, max(0, available - prefix_cap - suffix_cap)


def _distinct(snippets: Sequence[Snippet]) -> list[Snippet]:
    """The snippets without blank ones and without repeats of the same lines."""
    seen: set[tuple[str, int, int]] = set()
    kept: list[Snippet] = []
    for snippet in snippets:
        key = (snippet.path, snippet.start_line, snippet.end_line)
        if key in seen or not snippet.text.strip():
            continue
        seen.add(key)
        kept.append(snippet)
    return kept


class _WindowLines:
    """The prefix and suffix lines as an outline's lines compare with them, read once and
    only when some snippet needs them."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._lines: frozenset[str] | None = None

    def __contains__(self, line: str) -> bool:
        if self._lines is None:
            self._lines = frozenset(_bare(x) for x in self._text.splitlines())
        return _bare(line) in self._lines


def _bare(line: str) -> str:
    """`line` without its indentation and the opener or terminator that a signature drops."""
    return line.strip().rstrip("{:;").rstrip()


def _is_in_window(
    snippet: Snippet, path: str, window: tuple[int, int], shown: _WindowLines
) -> bool:
    """Whether most of `snippet`'s lines already stand in the prompt's prefix or suffix.

    An outline (fewer lines than the span it was gathered from: a class's signatures) is
    judged by its lines, since a class that reaches into the window can list members from
    far outside it."""
    if snippet.path != path:
        return False
    n_lines = snippet.end_line - snippet.start_line + 1
    overlap = min(snippet.end_line, window[1]) - max(snippet.start_line, window[0]) + 1
    if overlap * 2 <= n_lines:
        return False
    lines = [line for line in snippet.text.splitlines() if line.strip()]
    if len(lines) >= n_lines or not lines:
        return True
    return sum(line in shown for line in lines) * 2 > len(lines)


def _choose_snippets(
    candidates: Sequence[Snippet], costs: Sequence[int], quota: int
) -> tuple[Snippet, ...]:
    """The best snippets that fit in `quota` tokens, best first.

    A snippet larger than what is left is cut to its first whole lines when at least two
    of them fit (a class outline keeps its header and first members).
    """
    chosen: list[Snippet] = []
    left = quota
    for snippet, cost in zip(candidates, costs, strict=True):
        if cost <= left:
            chosen.append(snippet)
            left -= cost
            continue
        label_cost = cost - _n_tokens(snippet.text)
        head = _head_lines(snippet.text, left - label_cost)
        n_lines = head.count("\n")
        if n_lines >= 2:
            chosen.append(replace(snippet, text=head, end_line=snippet.start_line + n_lines - 1))
            left -= _n_tokens(head) + label_cost
    return tuple(chosen)


def _laid_out(snippets: Sequence[Snippet]) -> tuple[Snippet, ...]:
    """The snippets in a stable order: by source, then path and line, not by score.

    Scores shift as the user types; an order that does not lets the model server reuse
    the cached start of the prompt.
    """
    return tuple(
        sorted(snippets, key=lambda s: (_SOURCE_ORDER.get(s.source, 9), s.path, s.start_line))
    )


def _head_lines(text: str, n_tokens: int) -> str:
    """The first whole lines of `text` within `n_tokens` tokens, each ending in a newline."""
    if n_tokens <= 0:
        return ""
    head = keep_first_tokens(text, n_tokens)
    cut = head.rfind("\n")
    return head[: cut + 1] if cut >= 0 else ""


def _sections(
    path: str,
    cursor_line: int,
    prefix: str,
    suffix: str,
    snippets: Sequence[Snippet],
    n_prefix: int,
) -> tuple[Section, ...]:
    """One section per snippet, then the prefix and the suffix, in prompt order."""
    sections = [
        Section(s.source, s.path, s.start_line, s.end_line, _n_tokens(s.text), s.text)
        for s in snippets
    ]
    prefix_first = cursor_line - max(0, n_prefix - 1)
    sections.append(Section("prefix", path, prefix_first, cursor_line, _n_tokens(prefix), prefix))
    suffix_last = cursor_line + suffix.rstrip("\n").count("\n")
    sections.append(Section("suffix", path, cursor_line, suffix_last, _n_tokens(suffix), suffix))
    return tuple(sections)
