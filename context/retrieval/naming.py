"""What the name being assigned says about the member the cursor reaches for.

`parentFlags := cmd.|`, `let table = value.|`, `treeMap := tree.|`: a value is usually
named after what produced it, so the words of the assigned name (`parent`, `flags`) point
at the members whose names share them (`InheritedFlags`, `ToMap`, `as_table`); a returned
value is named by its function (`func Levels() ... { return logrus.AllLevels }`). With
nothing typed after the dot yet, this is the best evidence among a big type's members
that the code has not used before.

Guarantees: pure functions of the text; words are lower case, at least two letters.
"""

from __future__ import annotations

import re
from functools import lru_cache

from context.retrieval.focus import KEYWORDS

_ASSIGNED = re.compile(
    r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*(?::\s*[^=:;]+?)?\s*(?::=|=|:)\s*(?:&\s*(?:mut\s+)?|\*\s*)?$"
)
# A field being assigned (`c.Accepted = |`, `self.parser = |`) is named by its last name.
# Only a `.` starts a match, so a long chain (`a.a.a...`) costs one pass.
_MEMBER_ASSIGNED = re.compile(r"\.\s*([A-Za-z_$][\w$]*)\s*=\s*(?:&\s*|\*\s*)?$")
# A key is the last name before a lone `:` (`&os.PathError{Op: "x", Path: p, Err: |}`),
# tried first: `_ASSIGNED` reads `Path: p, Err` as a name and its annotation.
_KEYED = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*(?<!:):\s*(?:&\s*|\*\s*)?$")
# Go's `challengeKey, err := |`: the value is the first name's, the others are its error
# or its flag.
_MULTI_ASSIGNED = re.compile(r"(?<![\w$.])([A-Za-z_]\w*)(?:\s*,\s*[A-Za-z_]\w*)+\s*:=\s*(?:&\s*)?$")
# `config.userParams = this.|`: a member being given a value names it as well as a variable.
_MEMBER_ASSIGNED = re.compile(r"[\w$\])]\s*(?:\?\.|\.)\s*([A-Za-z_$][\w$]*)\s*=\s*$")
_DECLARED = re.compile(r"^\s*([A-Za-z_][\w]*)\s+\*?\[?\]?\*?$")
_RETURNED = re.compile(r"(?<![\w$])return\s+(?:&\s*|\*\s*)?$")
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_MIN_PREFIX = 4
NEARBY_LINES = 3
_IDENTIFIERS = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def assigned_words(text_before_chain: str) -> frozenset[str]:
    """The words of the name that the expression starting here is assigned to (`x := `,
    `let x = `, `x = `, `field: `, the first of Go's `x, err := `, the field of `c.x = `),
    or none."""
    found = (
        _MULTI_ASSIGNED.search(text_before_chain)
        or _KEYED.search(text_before_chain)
        or _ASSIGNED.search(text_before_chain)
        or _MEMBER_ASSIGNED.search(text_before_chain)
    )
    return name_words(found.group(1)) if found is not None else frozenset()


def assigned_name(text_before_chain: str) -> str | None:
    """The name that the expression starting here is assigned to, whole: a variable or a
    key (`let limit = |`, `limit: |`) or a member (`config.limit = |`); None elsewhere."""
    found = _ASSIGNED.search(text_before_chain) or _MEMBER_ASSIGNED.search(text_before_chain)
    return found.group(1) if found is not None else None


def declared_words(line_before_cursor: str) -> frozenset[str]:
    """The words of the name that the code at the end of `line_before_cursor` gives a value
    or a type: `x := |`, `let x = |`, and a field or parameter declared before its type
    (Go's `Before |BeforeFunc`, `name |string`)."""
    found = assigned_words(line_before_cursor)
    if found:
        return found
    field = _DECLARED.match(line_before_cursor)
    if field is None or field.group(1) in KEYWORDS:
        return frozenset()
    return name_words(field.group(1))


def nearby_words(text: str, offset: int) -> frozenset[str]:
    """The words of the `NEARBY_LINES` lines before the cursor's line, that line up to the
    cursor and the line after it, comments and strings included: `// add the --version flag`
    or `Use: "fish"` says which of a big type's unused members comes next."""
    start = offset
    for _ in range(NEARBY_LINES + 1):
        start = text.rfind("\n", 0, start - 1) + 1 if start > 0 else 0
    end = text.find("\n", text.find("\n", offset) + 1)
    window = text[start : end if end >= 0 else len(text)]
    return frozenset(
        w for w in name_words(" ".join(_IDENTIFIERS.findall(window))) if w not in KEYWORDS
    )


def is_returned(text_before_chain: str) -> bool:
    """Whether the expression starting here is returned (`return x.|`): then the
    function's own name says what it is (`func Levels() ... { return logrus.AllLevels }`)."""
    return _RETURNED.search(text_before_chain) is not None


def name_words(name: str) -> frozenset[str]:
    """`localNonPersistentFlags` -> {local, non, persistent, flags}; `as_table_mut` ->
    {as, table, mut}."""
    return frozenset(w.lower() for w in _WORD.findall(name) if len(w) >= 2)


@lru_cache(maxsize=16384)
def affinity(member: str, wanted: frozenset[str]) -> int:
    """How many of `member`'s words the assigned name shares (a word matches another it
    starts, `templ` and `template`, when at least `_MIN_PREFIX` letters long)."""
    if not wanted:
        return 0
    score = 0
    for word in name_words(member):
        if word in wanted or any(
            len(w) >= _MIN_PREFIX and (word.startswith(w) or w.startswith(word))
            for w in wanted
            if len(word) >= _MIN_PREFIX
        ):
            score += 1
    return score
