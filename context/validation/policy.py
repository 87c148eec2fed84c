"""Validation: check a suggestion against the document, the repository and the project's
dependencies before anyone sees it, and apply each kind's policy.

The whole public API::

    problems = validate(document, offset, text, view, settings)   # list[Problem]
    outcome = apply_policies(text, problems, settings)             # PolicyOutcome
    outcome = judge(document, offset, text, view, settings)        # both, re-checking a trim

`validate` splices `text` into `document.text` at `offset` (characters), parses the result
with tree-sitter (reusing the cached tree of the document) and runs the checks that
`settings` leaves on, in this order:

- `syntax`: no new ERROR or MISSING node (`context.validation.syntax_check`);
- `unknown-symbol`: names and members the suggestion reads exist (`symbol_check`);
- `arity`: calls to known functions take an acceptable number of arguments (`arity_check`);
- `unknown-dependency`: imported modules exist for the project (`dependency_check`).

A `Problem`'s offsets count characters into the suggestion text. `view` is a `SymbolView`
(`IndexView` over the index, or `EmptyView` for a file outside any workspace).

`apply_policies` decides what happens per kind (`ValidationSettings`): `reject` drops the
suggestion (`PolicyOutcome.text` is None and `reason` says why), `trim` keeps it up to the
line before the first such problem (rejecting it when nothing is left; whole lines inserted
above code keep their final indentation), `annotate` keeps it and the problem, `off`
ignores the kind (`validate` does not even check it).

Both functions are pure: they read the document snapshot, the view and the language's
knowledge, never raise for odd input (a check that fails is logged and finds nothing),
and never import or run user code. A language without a grammar gets no problems.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from context.document import Document
from context.languages import language_for_document
from context.settings import Policy, ValidationSettings
from context.splice import make_splice
from context.validation.arity_check import check_arity
from context.validation.dependency_check import check_dependencies
from context.validation.problem import PROBLEM_KINDS, Problem, ProblemKind
from context.validation.symbol_check import check_symbols
from context.validation.syntax_check import check_syntax
from context.validation.view import SymbolView

_log = logging.getLogger(__name__)

__all__ = [
    "PROBLEM_KINDS",
    "PolicyOutcome",
    "Problem",
    "ProblemKind",
    "apply_policies",
    "judge",
    "policy_for",
    "validate",
]


@dataclass(frozen=True)
class PolicyOutcome:
    """What the policies made of a suggestion.

    `text` is the suggestion to show (possibly trimmed), or None when it is rejected;
    `problems` are the problems still true of `text` (annotated ones); `actions` say what
    each policy did (`unknown-symbol: trim`); `reason` says why it was rejected ("" if not).
    """

    text: str | None
    problems: tuple[Problem, ...]
    actions: tuple[str, ...]
    reason: str = ""


def policy_for(kind: ProblemKind, settings: ValidationSettings) -> Policy:
    """The policy `settings` sets for a kind of problem (`off` when validation is disabled)."""
    if not settings.enabled:
        return "off"
    policy: Policy = getattr(settings, kind.replace("-", "_"))
    return policy


def validate(
    document: Document,
    offset: int,
    text: str,
    view: SymbolView,
    settings: ValidationSettings,
) -> list[Problem]:
    """The problems of inserting `text` at `offset` of `document` (see the module docstring)."""
    if not settings.enabled or not text.strip():
        return []
    lang = language_for_document(document.path, document.language_id)
    if lang is None:
        return []
    splice = make_splice(document.text, offset, text, lang)
    checks: list[tuple[ProblemKind, Callable[[], list[Problem]]]] = [
        ("syntax", lambda: check_syntax(splice)),
        ("unknown-symbol", lambda: check_symbols(splice, view)),
        ("arity", lambda: check_arity(splice, view)),
        ("unknown-dependency", lambda: check_dependencies(splice, view, document.path)),
    ]
    problems: list[Problem] = []
    for kind, check in checks:
        if policy_for(kind, settings) == "off":
            continue
        try:
            problems += check()
        except Exception:
            # A bug in one check must not cost the user the suggestion: it finds nothing.
            _log.exception("the %s check failed on %s; it is skipped", kind, document.uri)
    return problems


def apply_policies(
    text: str, problems: list[Problem] | tuple[Problem, ...], settings: ValidationSettings
) -> PolicyOutcome:
    """Apply each kind's policy to `text` and its `problems` (see the module docstring)."""
    for problem in problems:
        if policy_for(problem.kind, settings) == "reject":
            return PolicyOutcome(
                None,
                tuple(problems),
                (f"{problem.kind}: reject",),
                reason=f"{problem.kind}: {problem.message}",
            )
    actions: list[str] = []
    to_trim = [p for p in problems if policy_for(p.kind, settings) == "trim"]
    if to_trim:
        first = min(to_trim, key=lambda p: p.start_offset)
        # Lines inserted above code end with that code's indentation, which a trim keeps.
        last_line = text[text.rfind("\n") + 1 :]
        indentation = last_line if "\n" in text and not last_line.strip() else ""
        text = text[: text.rfind("\n", 0, min(first.start_offset, len(text))) + 1]
        text = text + indentation if text else text
        actions += [f"{kind}: trim" for kind in sorted({p.kind for p in to_trim})]
        if not text.strip():
            return PolicyOutcome(
                None,
                tuple(problems),
                tuple(actions),
                reason=f"{first.kind}: {first.message} (nothing is left before it)",
            )
    kept = tuple(
        p
        for p in problems
        if policy_for(p.kind, settings) == "annotate" and p.start_offset < len(text)
    )
    actions += [f"{kind}: annotate" for kind in sorted({p.kind for p in kept})]
    return PolicyOutcome(text, kept, tuple(actions))


def judge(
    document: Document,
    offset: int,
    text: str,
    view: SymbolView,
    settings: ValidationSettings,
    problems: list[Problem] | tuple[Problem, ...] | None = None,
) -> PolicyOutcome:
    """`validate` then `apply_policies`; a trimmed suggestion is validated once more.

    Trimming can leave a block opener without its body, so the trimmed text must pass the
    checks on its own; the actions of both rounds are kept. `problems`, when given, are
    what `validate` already found in `text`, so the first round does not check it again.
    """
    if problems is None:
        problems = validate(document, offset, text, view, settings)
    outcome = apply_policies(text, problems, settings)
    if outcome.text is None or outcome.text == text:
        return outcome
    again = apply_policies(
        outcome.text, validate(document, offset, outcome.text, view, settings), settings
    )
    return PolicyOutcome(again.text, again.problems, outcome.actions + again.actions, again.reason)
