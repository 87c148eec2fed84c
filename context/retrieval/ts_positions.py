"""Whether a TypeScript module member at the cursor stands where a type goes, and what for.

`params?: string | core.|$ZodCheckGreaterThanParams`, `extends _ZodType<core.|$ZodSymbolInternals>`,
`_zod: core.|$ZodBase64URLInternals;`, `x as schemas.|$ZodObjectDef`: after an annotation's
colon, a union's `|`, a type argument's `<`, `extends`, `implements`, `as` or `satisfies`, the
name about to be typed is a type (an interface, a type alias, a class, an enum), not one of
the hundreds of functions and constants a namespace import also offers. The name annotated
(`params`) and the type being declared (`interface ZodSymbol`) say which one: their words
(`params`; `zod`, `symbol`) are shared by the type's name. `distinctive_words` keeps, of
such words, those that pick out a few of the namespace's names.

Guarantees: pure functions of the line's text before the chain; never raise; a guess that
only reorders members (nothing is left out on its account).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from context.retrieval.naming import name_words

COMMON_SHARE = 0.2
"""A word in this share of a namespace's names or more (`zod` in `$ZodString`, `$ZodType`,
...) says nothing of which one comes next."""

_TYPE_BEFORE = re.compile(
    r"(?:[\w$\])]\??\s*:|[|&]|[\w$]<(?:[^<>()=;]*,)?|\b(?:extends|implements|as|satisfies|keyof))\s*$"
)
_ALIAS_BEFORE = re.compile(r"^\s*(?:export\s+)?(?:declare\s+)?type\s+[\w$]+\s*(?:<[^=]*>)?\s*=\s*$")
_ANNOTATED = re.compile(r"([A-Za-z_$][\w$]*)\s*\??\s*:[^:;{}()]*$")
_DECLARED = re.compile(
    r"^\s*(?:export\s+)?(?:declare\s+)?(?:default\s+)?(?:abstract\s+)?"
    r"(?:interface|class|type)\s+([A-Za-z_$][\w$]*)"
)


def is_type_position(line_before_chain: str) -> bool:
    """Whether the chain that starts after `line_before_chain` is written where a type goes."""
    return (
        _TYPE_BEFORE.search(line_before_chain) is not None
        or _ALIAS_BEFORE.match(line_before_chain) is not None
    )


def type_position_words(line_before_chain: str) -> frozenset[str]:
    """The words of what a type in this position is for: the annotated name
    (`params?: string | `) or the declared type (`interface ZodSymbol extends X<`)."""
    declared = _DECLARED.match(line_before_chain)
    if declared is not None:
        return name_words(declared.group(1))
    annotated = _ANNOTATED.search(line_before_chain)
    return name_words(annotated.group(1)) if annotated is not None else frozenset()


def distinctive_words(words: frozenset[str], names: Iterable[str]) -> frozenset[str]:
    """`words` less those that `COMMON_SHARE` or more of `names` have among theirs."""
    counts: Counter[str] = Counter()
    total = 0
    for name in dict.fromkeys(names):
        total += 1
        counts.update(name_words(name) & words)
    return frozenset(w for w in words if counts[w] < COMMON_SHARE * total)
