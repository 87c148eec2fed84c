"""Retrieval source "definition": what the names around the cursor are, as signatures.

The order of the snippets is the order of evidence:

1. the member called around the cursor (`cart.add(|`, `pricing.total(|`), found by the
   member source's resolver (`retrieval.receiver`): the receiver type's or module's outline,
   the callee first (the member right at the cursor, `cart.|`, is the member source's);
   then the type the cursor's code is expected to have: at `name: |` in Python the type
   that name is annotated with elsewhere (`retrieval.python_annotations`), and
   `retrieval.expected`'s (the call argument's parameter type, a Rust name's namesake type),
   in full;
2. the identifiers near the cursor (`Focus.identifiers`, nearest first), resolved through the
   file's imports (`Bindings`), rendered in full (outlines, signatures);
3. the rest of the file's imported names, as one-line signatures grouped by defining file:
   the most recently used first, then those not used yet before the cursor (at Python's
   `raise |`/`except |` the lists of the exceptions lead all, `retrieval.python_raises`);
   then, in Go,
   the names of the package's other files, the most used first (`retrieval.package`); a
   JavaScript object built member by member (`webidl.brandCheck = function`) brings the
   members this file uses (`retrieval.js_objects`), and so does a module variable whose
   type is stated or constructed (`export let globalState: Globals`, `receiver.py`).

Guarantees: every snippet is a rendering of index rows (`outline.render_definition`), never a
whole body; a definition appears once; `is_expired` is checked between names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from context.index.store import SymbolRow
from context.literal_scan import matches_near
from context.retrieval.bindings import Bindings
from context.retrieval.c_names import used_rows
from context.retrieval.commonjs import required_constructor
from context.retrieval.expected import expected_rows, expected_snippets
from context.retrieval.focus import SELF_NAMES, Focus
from context.retrieval.js_objects import assigned_members
from context.retrieval.naming import declared_words
from context.retrieval.outline import TYPE_KINDS, render_definition, render_signature_list
from context.retrieval.package import package_rows
from context.retrieval.python_annotations import annotation_types
from context.retrieval.python_raises import exceptions_at
from context.retrieval.python_uses import class_access_uses
from context.retrieval.receiver import receiver_snippets, variable_members
from context.snippet import Snippet

CALLEE_MEMBERS = 8
"""Members of a called receiver's type shown: the callee first, then those used most."""
MAX_LISTED_NAMES = 80
MAX_PACKAGE_NAMES = 40
FULL_RENDERS = 3
MAX_CLASS_ACCESS = 6
"""Places of a Python class's outline that go to the members reached through its name; the
others keep the source order (fields first, what a constructor call needs)."""
USE_WINDOW_CHARS = 8_000


def definition_snippets(
    bindings: Bindings,
    focus: Focus,
    text_before_cursor: str,
    *,
    limit: int,
    is_expired: Callable[[], bool] = lambda: False,
    text_after_cursor: str = "",
) -> list[Snippet]:
    """Definition snippets for a cursor with `focus`, most telling first, in three tiers:

    1. full renderings (outlines, signatures under their class) of what the cursor reaches
       for and of the `FULL_RENDERS` nearest names that resolve;
    2. one-line signatures of every other name the file imports (the nearer names first),
       one snippet per defining file: cheap, so many fit;
    3. full renderings of the further names near the cursor, up to `limit` snippets in all.
    """
    full: dict[tuple[str, int], Snippet] = {}
    if (
        focus.callee_receiver
        and focus.callee_receiver not in SELF_NAMES
        and focus.callee_end is not None
        and focus.callee_end <= len(text_before_cursor)
    ):
        # `cart.add(|`: what `cart.add` is, found as the member source finds `cart.ad|`
        # (the member right at the cursor is that source's own job).
        for snippet in receiver_snippets(
            bindings,
            text_before_cursor,
            focus.callee_end,
            is_expired=is_expired,
            max_members=CALLEE_MEMBERS,
        ):
            full.setdefault((snippet.path, snippet.start_line), snippet)
    # `cookies: |`: the type the same name is annotated with elsewhere.
    annotated = annotation_types(bindings, text_before_cursor, text_after_cursor, is_expired)
    text = text_before_cursor + text_after_cursor
    for snippet in render_rows(bindings, annotated, text):
        full.setdefault((snippet.path, snippet.start_line), snippet)
    # `Error::new(|` with `fn new(kind: ErrorKind)`: the argument's type, variants and all
    # (`retrieval.expected`; Rust and Go).
    expected = expected_rows(bindings, text_before_cursor, is_expired=is_expired)
    for snippet in expected_snippets(bindings, expected):
        full.setdefault((snippet.path, snippet.start_line), snippet)
    bindings.prefetch(focus.identifiers)
    near: list[SymbolRow] = []
    for name in focus.identifiers:
        if is_expired():
            break
        # `const Reporter = require('./reporter')` means the constructor it binds.
        constructor = required_constructor(bindings, name)
        near.extend([constructor] if constructor is not None else bindings.resolve(name)[:2])
    near = list({(r.rel_path, r.start_line_idx): r for r in near}.values())
    first, further = near[:FULL_RENDERS], near[FULL_RENDERS:]
    for snippet in render_rows(bindings, first, text):
        full.setdefault((snippet.path, snippet.start_line), snippet)

    # Every other imported name, as one line each: the code about to be written tends to
    # use what the file imported, and a line per name is cheap.
    shown = {(r.rel_path, r.start_line_idx) for r in first}
    listed: dict[str, list[SymbolRow]] = {}
    candidates = [
        # The rows of `first` are shown already: only the members assigned onto them join.
        *_with_members(
            bindings, [*first, *further], text_before_cursor + text_after_cursor, is_expired
        ),
        *_imported_rows(bindings, focus, text_before_cursor, text_after_cursor, is_expired),
        # C and C++ import no names one by one: the names used near the cursor stand in.
        *used_rows(bindings, text_before_cursor, text_after_cursor, is_expired=is_expired),
        *package_rows(
            bindings,
            text_before_cursor + text_after_cursor,
            limit=MAX_PACKAGE_NAMES,
            is_expired=is_expired,
            wanted=declared_words(text_before_cursor[text_before_cursor.rfind("\n") + 1 :]),
        ),
    ]
    raised = exceptions_at(candidates, text_before_cursor[text_before_cursor.rfind("\n") + 1 :])
    raised = [r for r in raised if (r.rel_path, r.start_line_idx) not in shown]
    for row in [*raised, *candidates]:
        key = (row.rel_path, row.start_line_idx)
        if key not in shown:
            shown.add(key)
            listed.setdefault(row.rel_path, []).append(row)
    lists = [render_signature_list(rows, "definition") for rows in listed.values()]
    # At `raise |` the exceptions' lists lead: what is raised is one of them.
    leading = lists[: len({r.rel_path for r in raised})]
    lists = lists[len(leading) :]

    room = max(0, limit - len(full) - len(lists))
    deeper = [s for s in render_rows(bindings, further[:room], text) if "\n" in s.text.rstrip("\n")]
    return [*leading, *full.values(), *lists, *deeper]


def _imported_rows(
    bindings: Bindings,
    focus: Focus,
    text_before_cursor: str,
    text_after_cursor: str,
    is_expired: Callable[[], bool],
) -> list[SymbolRow]:
    """The definitions of the file's imported names, by `_imported_by_evidence`."""
    rows: list[SymbolRow] = []
    ordered = _imported_by_evidence(bindings, focus, text_before_cursor, text_after_cursor)
    for name in ordered[:MAX_LISTED_NAMES]:
        if is_expired():
            break
        for row in bindings.resolve(name)[:1]:
            rows.append(row)
            # The file's later uses (`webidl.brandCheck` below the cursor) count too.
            text = text_before_cursor + text_after_cursor
            rows.extend(assigned_members(bindings, row, name, text))
            # `globalState.inBatch`: a module variable's type's members that the file uses.
            rows.extend(variable_members(bindings, row, name, text, is_expired=is_expired))
    return rows


def _with_members(
    bindings: Bindings, rows: Iterable[SymbolRow], text: str, is_expired: Callable[[], bool]
) -> list[SymbolRow]:
    """Each of `rows`, followed by the members assigned onto it, or of a variable's type,
    that the file's `text` (before and after the cursor) uses."""
    found: list[SymbolRow] = []
    for row in rows:
        found.append(row)
        found.extend(assigned_members(bindings, row, row.name, text))
        found.extend(variable_members(bindings, row, row.name, text, is_expired=is_expired))
    return found


def render_rows(bindings: Bindings, rows: Iterable[SymbolRow], text: str = "") -> list[Snippet]:
    """Definition snippets for index rows: outlines for types, signatures for the rest; a
    Python class's outline lists first what `text` (the file) and the package's other files
    reach through its name (`_class_access_first`)."""
    snippets = []
    for row in rows:
        members: list[SymbolRow] = []
        container: SymbolRow | None = None
        if row.kind in TYPE_KINDS:
            members = _members(bindings, row)
            if row.language == "python":
                members = _class_access_first(bindings, row, members, text)
        elif row.container:
            container = next(
                (
                    r
                    for r in bindings.definitions_in_file(row.rel_path)
                    if r.name == row.container and r.kind in TYPE_KINDS
                ),
                None,
            )
        snippets.append(render_definition(row, members, container, "definition"))
    return snippets


def _class_access_first(
    bindings: Bindings, owner: SymbolRow, members: list[SymbolRow], text: str
) -> list[SymbolRow]:
    """A Python class's members, up to `MAX_CLASS_ACCESS` of those reached through its name
    first (`Text.assemble(`, `Segment.set_shape(`: at `|Text.` the line goes on with one of
    them), the most used first, uses in `text` counting three times; the rest in order."""
    names = {m.name for m in members}
    uses = class_access_uses(bindings, owner, names)
    through = re.compile(rf"(?<![\w.]){re.escape(owner.name)}\.([A-Za-z_]\w*)")
    for match in matches_near(through, text, (owner.name,)):
        if match.group(1) in names:
            uses[match.group(1)] += 3
    if not uses:
        return members
    leading = sorted(uses, key=lambda name: -uses[name])[:MAX_CLASS_ACCESS]
    first = [m for name in leading for m in members if m.name == name]
    return first + [m for m in members if m.name not in leading]


def _members(bindings: Bindings, row: SymbolRow) -> list[SymbolRow]:
    """A type's members: from its own file, or its crate or package for Rust and Go,
    whose methods may live in other files."""
    if row.language in ("rust", "go"):
        directory = row.rel_path.rsplit("/", 1)[0] if "/" in row.rel_path else ""
        return [r for r in bindings.store.members(row.name) if r.rel_path.startswith(directory)]
    return [r for r in bindings.definitions_in_file(row.rel_path) if r.container == row.name]


def _imported_by_evidence(
    bindings: Bindings, focus: Focus, text_before_cursor: str, text_after_cursor: str = ""
) -> list[str]:
    """The file's imported names not in focus: those named nowhere in the file but in their
    import (imported for the code about to be written) first, then the most recently used,
    then those not used in the `USE_WINDOW_CHARS` characters before the cursor."""
    near = set(focus.identifiers)
    window = text_before_cursor[-USE_WINDOW_CHARS:]
    last_use = {name: _last_use(window, name) for name in bindings.names if name not in near}
    fresh = [
        n
        for n in last_use
        if _is_named_once(text_before_cursor, n, last_use[n], window)
        and _last_use(text_after_cursor, n) < 0
    ]
    used = sorted(
        (n for n, at in last_use.items() if at >= 0 and n not in fresh), key=lambda n: -last_use[n]
    )
    unused = [n for n, at in last_use.items() if at < 0 and n not in fresh]
    return fresh + used + unused


def _is_named_once(text: str, name: str, at_in_window: int, window: str) -> bool:
    """Whether `text` names `name` only once (its import): the last use in the window, or
    in the whole text when the window has none, has no earlier one."""
    at = (len(text) - len(window) + at_in_window) if at_in_window >= 0 else _last_use(text, name)
    return at >= 0 and _last_use(text[:at], name) < 0


def _last_use(text: str, name: str) -> int:
    """Where `name` last occurs in `text` as a whole word, or -1 (a search from the end,
    cheaper than scanning every identifier of the text)."""
    end = len(text)
    while (at := text.rfind(name, 0, end)) >= 0:
        after = at + len(name)
        if not (at and _is_word_char(text[at - 1])) and not (
            after < len(text) and _is_word_char(text[after])
        ):
            return at
        end = at
    return -1


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_$"
