"""Retrieval source "member": what the expression before `.`, `::` or `->` at the cursor offers.

At `expr.|`, `expr::|` or `expr.na|`, the code about to be written is one of the members of
`expr`'s type, or one of the names of the module `expr` stands for. This source finds that
type from what the code says, without running a type checker:

- `self`, `this`, `cls`, `Self` and a Go method's receiver name: the enclosing type;
- a parameter typed by the function's doc comment (JSDoc's `@param {Command} cmd`, with a
  type a `@typedef {import("./command.js").Command}` brings: `retrieval.jsdoc`);
- a name annotated or declared with a type before the cursor (`state: SomeState`,
  `var s *Store`, `Store s = ...`, `let s: Store`), or assigned from a constructor
  (`x = Source(...)`, `s := &Store{}`, `Store::new()`, `new Store(...)`) or from a call whose
  return type is stated (`x = make_source()` with `-> Source`), or called at the chain's
  head (`put_back(iter).|`); a cast's type (`((Node) prefs).|`, `((struct t *)p)->|`);
- an attribute or field of a type it already knows (`self.source.|`: the annotation or the
  constructor assigned in `__init__`, or the `__init__` parameter assigned to it), and a
  method's stated return type (`self.store().|`);
- a module alias (`pricing.`, Go's `store.`, Rust's `report::`, `crate::ser::`, a path
  headed by the crate's own name, `itertools::free::`): every file of the module, for Go
  the whole package folder;
- in Python, when none of that resolves, the class that defines the members the file uses
  on the same receiver, or the one it is named after (`retrieval.python_duck`);
- in Rust, a value of no type the code says (`stack.into_iter().|`): the crate's extension
  traits in scope, those a blanket impl gives every type (`retrieval.impls`).

Members come from the type's own rows and those of its bases and mixins (`class A(B, C)`,
`extends`, `implements`, Go's embedded types: `retrieval.go_types`, the crate's traits a
Rust type implements: `retrieval.impls`), followed into the files
that define them, three levels deep. They are ranked by the member name already typed
(prefix first, then containing it), by the words they share with the name being assigned
(`parentFlags := cmd.|`, `retrieval.naming`), by how often this file already uses them
after a `.`/`::` (uses near the cursor, before or after it, counting more; in JavaScript and
TypeScript uses on the same receiver text count most), in Go, Rust, Python, Java and C++
then by the words they share with the lines around the cursor (`// add the --version flag`
before `cmd.|`: `InitDefaultVersionFlag`, `retrieval.naming.nearby_words`) and, but in
Python, with the enclosing function's name (`fn sort_unstable` delegates to
`self.map.sort_unstable_keys()`), then in Go, Java and Python by how often the package's
other files do (`retrieval.python_uses` for Python), public before private, and what the
file cannot reach (another file's `private`, another Go package's unexported names) last;
only the best `MAX_MEMBERS` are shown, so a type with hundreds of methods shows those that
match, not its first few (the next `MORE_MEMBERS` come apart, `MemberTiers.more`, for the
room a prompt leaves). A
JavaScript or TypeScript receiver whose type the code does not say gets the members the
file uses on it, found by name (`retrieval.named_members`). In JavaScript, `require` of a
module that exports one class binds that class (`retrieval.commonjs`), an ES5 constructor
function is a type, a method's JSDoc `@return {T}` types its value, and an untyped
camel-case name stands for the class the file binds under it (`retrieval.js_naming`) or for
an object built member by member in an imported file (`retrieval.js_objects`); in
TypeScript, a namespace member in a type position lists the module's types first
(`retrieval.ts_positions`).

Guarantees: never raises on any text (an unknown receiver yields nothing); every snippet is
a rendering of index rows, one per defining type or module file, headed by that type's
header; `is_expired` is checked between steps; the result depends only on the document, the
cursor and the index (ties keep source order).
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from context.imports.rust import module_prefix
from context.index.store import SymbolRow
from context.literal_scan import matches_near
from context.retrieval.barrels import star_exported_paths
from context.retrieval.bindings import Bindings
from context.retrieval.brackets import closing_bracket
from context.retrieval.commonjs import is_constructor, required_constructor, static_members
from context.retrieval.cpp_scopes import aliased_type, namespace_paths
from context.retrieval.go_types import embedded_types, go_declaration
from context.retrieval.impls import (
    blanket_traits,
    crate_members,
    generic_bound,
    implemented_traits,
)
from context.retrieval.import_lists import import_list_snippets
from context.retrieval.java_packages import package_paths
from context.retrieval.js_naming import class_named_like
from context.retrieval.js_objects import namesake_object_members
from context.retrieval.jsdoc import jsdoc_return_type, jsdoc_types
from context.retrieval.named_members import (
    JS_FAMILY,
    computed_receiver,
    named_member_snippets,
    receiver_uses,
)
from context.retrieval.naming import (
    affinity,
    assigned_name,
    assigned_words,
    is_returned,
    name_words,
    nearby_words,
)
from context.retrieval.outline import (
    TYPE_KINDS,
    one_line,
    render_signature_list,
    type_closer,
    type_header,
)
from context.retrieval.package import package_member_uses, with_families
from context.retrieval.python_duck import duck_typed_class
from context.retrieval.python_types import (
    Assignment,
    declared_annotation,
    iterated,
    last_assignment,
    narrowed_type,
    subscripted,
    unpacked,
)
from context.retrieval.python_uses import package_member_uses as python_member_uses
from context.retrieval.ts_callbacks import (
    CallbackSlot,
    callback_slot,
    function_parameter,
    parameter_types,
)
from context.retrieval.ts_positions import (
    distinctive_words,
    is_type_position,
    type_position_words,
)
from context.retrieval.ts_types import (
    alias_shape,
    constructor_signature,
    guard_call,
    guarded_type,
    member_rows,
    parameter_fields,
    parameter_type,
)
from context.snippet import Snippet

MAX_MEMBERS = 24
"""Members shown in all; a one-line signature costs 10 to 30 tokens."""
MORE_MEMBERS = 48
"""A big type's members ranked next, offered for the room the prompt has left."""
MAX_MODULE_MEMBERS = 120
"""A module's names shown in all, the used and matching ones first."""
MAX_MODULE_FILES = 64
MAX_BASE_DEPTH = 3
MAX_CHAIN_LINES = 8
"""How many lines back a chain continued on lines that start with `.` is followed."""
DOC_CHARS = 1_500
"""How far before a function its doc comment is looked for."""
NEAR_CHARS = 3_000
"""Uses this close before the cursor count three times."""
NEAR_AFTER_CHARS = 1_500
"""Uses this close after the cursor count three times."""
NEARBY_SLOTS = 6
"""Places of a full member list kept for unused members named around the cursor."""
MIN_NEARBY_WORDS = 2
"""Words a member must share with those lines to take one of those places."""

_INDENT = "    "
_NEARBY_LANGUAGES = frozenset({"go", "rust", "python", "java", "cpp"})
"""Where the words of the lines around the cursor rank a big type's unused members."""
_SELF_NAMES = frozenset({"self", "this", "cls"})
_CHAIN = re.compile(
    r"((?:[A-Za-z_$][\w$]*\s*(?:\([^()]*\))?\s*!?(?:\?\.|\.|::|->)\s*)+)([A-Za-z_$][\w$]*)?$"
)
_CHAIN_PART = re.compile(r"([A-Za-z_$][\w$]*)\s*(\([^()]*\))?")
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_QUALIFIED = re.compile(r"[A-Za-z_$][\w$]*(?:\s*(?:\.|::)\s*[A-Za-z_$][\w$]*)*")
_QUALIFIED_CALLS = re.compile(
    r"[A-Za-z_$][\w$]*\s*(?:\([^()]*\))?(?:\s*(?:\.|::)\s*[A-Za-z_$][\w$]*\s*(?:\([^()]*\))?)*"
)
_CAST_LANGUAGES = frozenset({"java", "c", "cpp", "csharp"})
# `((Type) value).` or `((struct t *)p)->`, the cast then the member access: group 1 is the
# cast expression, group 2 the member name typed so far.
_CAST = re.compile(
    r"(\(\s*\(\s*(?:struct\s+)?[A-Za-z_][\w.:]*(?:\s*<[^<>()]*>)?[\s*&]*\)\s*"
    r"[A-Za-z_$][\w$.]*\s*\)\s*(?:\.|->)\s*)([A-Za-z_$][\w$]*)?$"
)
_CAST_TYPE = re.compile(r"\(\s*\(\s*(?:struct\s+)?([A-Za-z_][\w.:]*(?:\s*<[^<>()]*>)?)")
_CONTINUED = re.compile(r"[ \t]*\.(?![.\d])")
_USE = re.compile(r"(?:\.|::|->)\s*([A-Za-z_$][\w$]*)")
_WRAPPERS = frozenset(
    {
        "Optional", "Union", "Annotated", "Final", "ClassVar", "Type", "type", "Awaitable",
        "Arc", "Rc", "Box", "RefCell", "Cell", "Mutex", "RwLock", "Option", "Weak", "Cow",
        "Pin", "Readonly", "Partial", "Promise", "Ref", "unique_ptr", "shared_ptr", "weak_ptr",
        "const", "mut", "dyn", "impl", "struct", "class", "std", "typing", "None", "null",
        "undefined", "volatile", "unsigned", "await", "new", "ref", "in", "out", "readonly",
        "final", "var", "let", "auto", "public", "private", "protected", "static",
    }
)  # fmt: skip
"""Words around a type in an annotation that are not the type itself."""
_FUNCTION_KINDS = frozenset({"function", "method", "constructor"})
_TS_TYPE_KINDS = frozenset({"class", "interface", "type", "enum"})
_MEMBER_TYPE_KINDS = TYPE_KINDS - {"impl", "module"}
_IMPLICIT_THIS = frozenset({"java", "cpp"})
"""Languages where a method names its class's fields without `this.`."""
_PASS_THROUGH = {
    "rust": frozenset(
        {
            "unwrap", "expect", "unwrap_or", "unwrap_or_default", "unwrap_or_else",
            "unwrap_unchecked", "as_ref", "as_mut", "as_deref", "as_deref_mut", "clone",
            "to_owned", "borrow", "borrow_mut", "lock", "read", "write", "deref", "deref_mut",
        }
    ),
}  # fmt: skip
"""Methods of the wrappers that `_type_candidates` looks through (`Option`, `Result`, `Arc`,
`RefCell`, `Mutex`): calling one leaves the wrapped type, as far as members go."""


@dataclass(frozen=True)
class Target:
    """What the expression before the cursor's `.`/`::` stands for: a type or a module."""

    types: tuple[SymbolRow, ...] = ()
    module_paths: tuple[str, ...] = ()
    annotation: str = ""
    """The type expression that named the type, when one did (`list[tuple[Key, Item]]`):
    a subscript or a loop over the value reads its arguments."""
    annotation_path: str = ""
    """The file the annotation is written in, whose imports resolve its names."""


@dataclass
class _Resolver:
    """Types of names and members, with each file's `Bindings` read once per request."""

    bindings: Bindings
    is_expired: Callable[[], bool]
    text: str = ""
    """The current document, whose doc comments say what its own methods return."""
    _others: dict[str, Bindings] = field(default_factory=dict)
    _members: dict[tuple[str, int], list[SymbolRow]] = field(default_factory=dict)

    def bindings_of(self, path: str) -> Bindings:
        if path == self.bindings.path:
            return self.bindings
        found = self._others.get(path)
        if found is None:
            found = Bindings.of(self.bindings.store, path, self.bindings.language)
            self._others[path] = found
        return found

    def type_named(self, text: str, path: str, owner: SymbolRow | None = None) -> Target:
        """The type (or module) an annotation or type expression in file `path` names: a
        type that `owner` declares inside itself first (`lexer_t`, a nested class)."""
        candidates = _type_candidates(text)
        if owner is not None and candidates and len(candidates[0]) == 1:
            nested = [
                m
                for m in self.all_members(owner)
                if m.name == candidates[0][0] and m.kind in _MEMBER_TYPE_KINDS
            ]
            if nested:
                return Target(types=(nested[0],), annotation=text, annotation_path=path)
        found: list[SymbolRow] = []
        # A TypeScript union or intersection has the members of each of its types.
        is_union = self.bindings_of(path).language in JS_FAMILY and _is_union(text)
        for words in candidates:
            if words[-1] == "Self" and owner is not None:
                return Target(types=(owner,))
            target = self.qualified(words, path)
            if target.module_paths or (target.types and not is_union):
                return replace(target, annotation=text, annotation_path=path)
            found.extend(target.types[:1])
        if found:
            # `source: Request | IncomingMessage`: a value of either type, members of both.
            types = tuple({(r.rel_path, r.start_line_idx): r for r in found}.values())
            return Target(types=types[:MAX_UNION_TYPES], annotation=text, annotation_path=path)
        return Target()

    def members_of(self, target: Target) -> list[SymbolRow]:
        """The members of the target's type, of each of a TypeScript union's types."""
        if not target.types:
            return []
        if len(target.types) == 1 or target.types[0].language not in JS_FAMILY:
            return self.all_members(target.types[0])
        return [m for owner in target.types for m in self.all_members(owner)]

    def qualified(self, words: Sequence[str], path: str) -> Target:
        """`a.b.C` or `a::b::C` resolved from file `path`: a module, then its names."""
        bindings = self.bindings_of(path)
        head, rest = words[0], list(words[1:])
        if bindings.language == "rust" and head in ("crate", "self", "super") and rest:
            # `super::Buf`, `crate::ser::Error`: the module prefix, then its names.
            found = module_prefix(bindings.store.root, path, list(words))
            if found is not None:
                chain = [(w, False) for w in words[found[1] :]]
                return self.members_chain(Target(module_paths=(found[0],)), chain)
        constructor = required_constructor(bindings, head)
        if constructor is not None:
            return self.members_chain(Target(types=(constructor,)), [(w, False) for w in rest])
        module = bindings.module_paths(head) or (
            namespace_paths(bindings, head) if len(words) > 1 else ()
        )
        if not module and len(words) == 1:
            types = tuple(bindings.resolve_type(head))
            if types:
                return Target(types=types)
            rows = bindings.resolve(head)
            if rows and is_constructor(bindings, rows[0]) and rows[0].kind in _FUNCTION_KINDS:
                # An ES5 constructor function (`function Route(path)`) makes a `Route`.
                return Target(types=(rows[0],))
            if rows and rows[0].kind in _FUNCTION_KINDS:
                # A call's value: the function's stated return type, from its own file.
                return self.returned(rows[0])
            return Target()
        if not module:
            first = bindings.resolve_type(head)
            if not first:
                return Target()
            return self.members_chain(Target(types=(first[0],)), [(w, False) for w in rest])
        target = Target(module_paths=module)
        return self.members_chain(target, [(w, False) for w in rest])

    def members_chain(self, target: Target, parts: Sequence[tuple[str, bool]]) -> Target:
        """The target after `.part` (or `.part()`) for each of `parts`, in turn."""
        for name, is_call in parts:
            if self.is_expired():
                return Target()
            target = self.member(target, name, is_call)
            if not target.types and not target.module_paths:
                return target
        return target

    def member(self, target: Target, name: str, is_call: bool) -> Target:
        """What `target.name` is: a submodule, a module's type or function's value, or the
        type of a type's field or method."""
        if target.module_paths:
            rows = self.bindings.in_module(name, target.module_paths)
            if not rows:
                return Target()
            row = rows[0]
            if row.kind == "module" and row.language == "cpp":
                # `lib::detail::`: a nested namespace, opened in files of its own.
                return Target(module_paths=namespace_paths(self.bindings, row.name))
            if row.kind in TYPE_KINDS:
                return Target(types=(row,))
            return self.returned(row) if is_call or row.kind in _FUNCTION_KINDS else Target()
        for owner in target.types:
            for row in self.all_members(owner):
                if row.name != name:
                    continue
                if row.kind in _MEMBER_TYPE_KINDS:
                    # A nested type (`Frame.Opcode.`, `Outer::Inner::`) is itself the type.
                    return Target(types=(row,))
                if row.kind in _FUNCTION_KINDS:
                    return self.returned(row, owner)
                return self.field_type(row, owner)
        if target.types and name in _PASS_THROUGH.get(target.types[0].language, ()):
            # `get(k).unwrap().|`: the stated `Option<Value>` was read as `Value` already.
            return target
        return Target()

    def returned(self, row: SymbolRow, owner: SymbolRow | None = None) -> Target:
        """The type a function or method's signature says it returns."""
        annotation = _return_annotation(row.signature, row.name, row.language)
        if not annotation and row.language in JS_FAMILY and row.rel_path == self.bindings.path:
            # `createHelp()` under `@return {Help}`, in this file.
            annotation = jsdoc_return_type(self.text, _line_offset(self.text, row.start_line_idx))
        if not annotation:
            return Target()
        if owner is None and row.container:
            owner = self.type_row(row.container, row.rel_path)
        return self.type_named(annotation, row.rel_path, owner)

    def field_type(self, row: SymbolRow, owner: SymbolRow) -> Target:
        """A field's type: its annotation, the constructor assigned to it, or the type of
        the `__init__`/constructor parameter it is assigned from."""
        declared = _declared_type(row.signature, row.name, row.language)
        if declared:
            found = self.type_named(declared, row.rel_path, owner)
            if found.types or found.module_paths:
                return found
        value = _assigned_value(row.signature, row.name)
        if value is None:
            # An enum's constant or variant (`Opcode.CLOSE.|`, `Token::Colon`) is the enum.
            return Target(types=(owner,)) if owner.kind == "enum" else Target()
        words = _QUALIFIED.match(value)
        if words is None:
            return Target()
        parts = [w.strip() for w in re.split(r"\.|::", words.group(0))]
        # `self.source = source` or `self.stream = environment.tokenize(...)`: a parameter
        # of the method that assigns the field says the type of the value's first name.
        methods = [m for m in self.all_members(owner) if m.kind in _FUNCTION_KINDS]
        enclosing = [
            m
            for m in methods
            if m.rel_path == row.rel_path
            and m.start_line_idx <= row.start_line_idx <= m.end_line_idx
        ]
        for method in enclosing + methods:
            annotation = _declared_type(method.signature, parts[0], row.language)
            if annotation:
                head = self.type_named(annotation, row.rel_path, owner)
                return self.members_chain(head, _chain_parts(value)[1:])
        return self.type_named(words.group(0), row.rel_path, owner)

    def type_row(self, name: str, path: str) -> SymbolRow | None:
        bindings = self.bindings_of(path)
        named = [r for r in bindings.definitions_in_file(path) if r.name == name]
        rows = [r for r in named if r.kind in TYPE_KINDS] or bindings.resolve_type(name)
        # `Route.prototype.dispatch = function` is a member of the function `Route`.
        rows = rows or [r for r in named if r.container is None and is_constructor(bindings, r)]
        return rows[0] if rows else None

    def own_members(self, owner: SymbolRow) -> list[SymbolRow]:
        """A type's own members: from its file, for Rust from its crate's `impl` blocks
        (`retrieval.impls`), for Go from its package folder (methods live beside the type
        in any file of the package)."""
        if owner.language == "rust":
            return crate_members(self.bindings.store, owner)
        if owner.language == "go":
            folder = owner.rel_path.rsplit("/", 1)[0] if "/" in owner.rel_path else ""
            rows = self.bindings.store.members(owner.name, limit=2000)
            same = [r for r in rows if r.rel_path.rsplit("/", 1)[0] == folder]
            return same or [r for r in rows if r.rel_path.startswith(folder)]
        file_rows = self.bindings_of(owner.rel_path).definitions_in_file(owner.rel_path)
        named = [r for r in file_rows if r.container == owner.name]
        inside = [
            r for r in named if owner.start_line_idx <= r.start_line_idx <= owner.end_line_idx
        ]
        if owner.language in JS_FAMILY:
            # `type Options = { name: string }`: the alias's object type holds its members.
            inside += member_rows(owner, alias_shape(self.bindings.store, owner).members)
            # `constructor(public options: Options)` declares a field as well.
            inside += parameter_fields(self.bindings.store, owner)
            # `Foo.prototype.bar = ...` and `Object.defineProperty(Foo, ...)` follow the
            # class, and so do static members (`Foo.create = create`).
            statics = static_members(self.bindings_of(owner.rel_path), owner)
            outside = [r for r in named if r not in inside]
            return inside + outside + [r for r in statics if r not in outside]
        return inside or named

    def bases(self, owner: SymbolRow) -> list[SymbolRow]:
        """The types `owner` extends, mixes in or embeds (Go), resolved from its own file."""
        found: list[SymbolRow] = []
        # A TypeScript alias's union or intersection has the members of each of its types.
        aliased = [list(words) for words in alias_shape(self.bindings.store, owner).parts]
        for words in _base_names(owner) + embedded_types(owner) + aliased:
            if self.is_expired():
                break
            target = self.qualified(words, owner.rel_path)
            # A base may share the type's name (`class Request(_SansIORequest)`, imported
            # `as` another name): only the type itself is left out.
            found.extend(
                t
                for t in target.types[:1]
                if (t.rel_path, t.start_line_idx) != (owner.rel_path, owner.start_line_idx)
            )
        if owner.language == "rust" and owner.kind not in ("trait", "interface"):
            # `impl Math for Bigint {}`: the trait's provided methods are Bigint's too.
            found.extend(implemented_traits(self.bindings.store, owner))
        return found

    def all_members(self, owner: SymbolRow) -> list[SymbolRow]:
        """Own members first, then each base's, breadth first, `MAX_BASE_DEPTH` deep (read
        once per request: a chain and the listing ask for the same type); an alias's are
        the aliased type's."""
        key = (owner.rel_path, owner.start_line_idx)
        found = self._members.get(key)
        if found is None:
            self._members[key] = []
            found = self._all_members(self.unaliased(owner))
            self._members[key] = found
        return found

    def unaliased(self, owner: SymbolRow) -> SymbolRow:
        """The type a C or C++ alias (`using T = U<...>;`, `typedef struct s s;`) names,
        followed a few aliases deep; `owner` itself when it is no alias."""
        for _ in range(MAX_BASE_DEPTH):
            aliased = aliased_type(owner)
            if not aliased or self.is_expired():
                break
            seen = (owner.rel_path, owner.start_line_idx)
            rows = list(self.type_named(aliased, owner.rel_path).types)
            if not rows and aliased == owner.name:
                rows = self.bindings.store.definitions(owner.name, limit=50)
            others = [
                r
                for r in rows
                if (r.rel_path, r.start_line_idx) != seen and r.kind in _MEMBER_TYPE_KINDS
            ]
            if not others:
                break
            owner = others[0]
        return owner

    def _all_members(self, owner: SymbolRow) -> list[SymbolRow]:
        rows: list[SymbolRow] = []
        seen = {(owner.rel_path, owner.start_line_idx)}
        level = [owner]
        for _ in range(MAX_BASE_DEPTH + 1):
            following: list[SymbolRow] = []
            for row in level:
                rows.extend(self.own_members(row))
                for base in self.bases(row):
                    key = (base.rel_path, base.start_line_idx)
                    if key not in seen:
                        seen.add(key)
                        following.append(base)
            if not following or self.is_expired():
                break
            level = following
        return rows


@dataclass(frozen=True)
class MemberTiers:
    """The member source's snippets: the best members, and the type's next ones."""

    best: list[Snippet]
    more: list[Snippet] = field(default_factory=list)
    """Outlines of the `MORE_MEMBERS` members ranked after the best of a type (none for a
    module): worth the room the rest of the prompt leaves, and no more."""


def receiver_snippets(
    bindings: Bindings,
    text: str,
    offset: int,
    *,
    is_expired: Callable[[], bool] = lambda: False,
    max_members: int | None = None,
) -> list[Snippet]:
    """The members of what the cursor at character `offset` of `text` reaches into, as one
    outline per defining type or module file, best member first; empty elsewhere. At most
    `max_members` are shown: by default `MAX_MEMBERS` of a type, `MAX_MODULE_MEMBERS` of a
    module (one line each, and a module's names are what `alias.|` can be)."""
    return receiver_tiers(
        bindings, text, offset, is_expired=is_expired, max_members=max_members
    ).best


def receiver_tiers(
    bindings: Bindings,
    text: str,
    offset: int,
    *,
    is_expired: Callable[[], bool] = lambda: False,
    max_members: int | None = None,
) -> MemberTiers:
    """`receiver_snippets`, with the outlines of a type's next `MORE_MEMBERS` members."""
    found = _chain_target(bindings, text, offset, is_expired)
    if is_expired():
        return MemberTiers([])
    if found is None:
        line_before = text[text.rfind("\n", 0, offset) + 1 : offset]
        computed = computed_receiver(line_before) if bindings.language in JS_FAMILY else None
        if computed is not None:
            # `request[kRouteContext].|`: what the file reads after any `[kRouteContext]`.
            key, typed = computed
            assigned = assigned_name(line_before[: line_before.rfind(key)])
            return MemberTiers(
                named_member_snippets(
                    bindings, text, offset, key, typed, assigned=assigned, is_expired=is_expired
                )
            )
        # `const { a, | } = require('./x')`: what that module offers, as `x.|` would list.
        return MemberTiers(import_list_snippets(bindings, text, offset))
    resolver, target, match, parts = found.resolver, found.target, found.match, found.parts
    line_text = match.string
    prefix = match.group(2) or ""
    cursor_line = text.count("\n", 0, offset)
    uses = _member_uses(text, offset)
    wanted = assigned_words(line_text[: match.start()])
    if not wanted and is_returned(line_text[: match.start()]):
        function = _innermost(
            bindings.definitions_in_file(bindings.path), cursor_line, _FUNCTION_KINDS
        )
        wanted = name_words(function.name) if function is not None else wanted
    receiver = match.group(1)
    if bindings.language in JS_FAMILY:
        # What this file does with the same receiver says most about what comes next.
        for name, count in receiver_uses(text, offset, receiver).items():
            uses[name] += 2 * count
    if target.types:
        members = resolver.members_of(target)
        if bindings.language in JS_FAMILY and len(parts) == 1:
            members = _statics_of_named_class(resolver, target.types[0], receiver, members)
        package_uses = package_member_uses(bindings, is_expired)
        if bindings.language == "python":
            names = {row.name for row in members}
            owner_path = target.types[0].rel_path
            package_uses = python_member_uses(bindings, names, owner_path, is_expired)
        limit = max_members or MAX_MEMBERS
        nearby = _nearby(bindings, text, offset, cursor_line)
        if nearby and bindings.language == "python":
            # The receiver's own name is in those lines, and says nothing of the member
            # (`command.|` is no evidence for `add_command` over `chain`).
            nearby = nearby - name_words(receiver)
        ordered = _ordered(
            members, prefix, uses, wanted, package_uses, bindings.path, nearby=nearby
        )
        rows = _picked(ordered, limit, nearby)
        shown = {(r.rel_path, r.start_line_idx) for r in rows}
        more = [
            r
            for r in _picked(ordered, limit + MORE_MEMBERS, nearby)
            if (r.rel_path, r.start_line_idx) not in shown
        ]
        owner = target.types[0]
        best = _render_by_owner(resolver, owner, rows)
        if bindings.language in JS_FAMILY:
            # `router.|stores.setMatches(...)`: the line may go on into a member's members.
            best += _path_members(resolver, target, rows, text, offset, receiver)
        return MemberTiers(best, _render_by_owner(resolver, owner, more))
    if target.module_paths:
        rows = _module_rows(bindings, target.module_paths, is_expired)
        # A module's names used through this same path (`nodes.Const`) say more than
        # any `.Const`: they count twice more.
        through = _uses_through(text, match.group(1))
        uses.update(through)
        uses.update(through)
        kinds_first: frozenset[str] = frozenset()
        before = line_text[: match.start()]
        if bindings.language in JS_FAMILY and is_type_position(before):
            # `params?: string | core.|`: a type goes here, named for what it annotates.
            kinds_first = _TS_TYPE_KINDS
            wanted = wanted | type_position_words(before)
        close: frozenset[str] = frozenset()
        if bindings.language in JS_FAMILY:
            # A namespace of hundreds of names (`core.|`): the words of the lines around
            # the cursor (`interface ZodBase64URL`) that few of its names share pick one
            # out, where the file's other uses of the namespace say little.
            module_names = [r.name for r in rows]
            wanted = distinctive_words(wanted, module_names)
            close = distinctive_words(nearby_words(text, offset), module_names)
            close -= name_words(receiver)
        ordered = _ordered(
            rows,
            prefix,
            uses,
            wanted,
            owner_path=bindings.path,
            kinds_first=kinds_first,
            close=close,
        )
        ranked = _picked(ordered, max_members or MAX_MODULE_MEMBERS, None)
        if bindings.language == "go":
            ranked = with_families(ranked, rows)
        return MemberTiers(_render_by_file(ranked))
    if bindings.language == "rust" and receiver.rstrip().endswith("."):
        # `stack.into_iter().|`, a type the code does not say: the crate's extension traits
        # that the file has in scope (`use itertools::Itertools;`) give every iterator
        # their methods.
        scoped = _scoped_blanket_traits(bindings)
        if scoped:
            members = [row for trait in scoped for row in resolver.all_members(trait)]
            nearby = _nearby(bindings, text, offset, cursor_line)
            ordered = _ordered(
                members, prefix, uses, wanted, owner_path=bindings.path, nearby=nearby
            )
            rows = _picked(ordered, max_members or MAX_MEMBERS, nearby)
            return MemberTiers(_render_by_owner(resolver, scoped[0], rows))
    named = named_member_snippets(
        bindings,
        text,
        offset,
        receiver,
        prefix,
        assigned=assigned_name(line_text[: match.start()]),
        is_expired=is_expired,
    )
    if len(parts) == 1:
        namesakes = namesake_object_members(bindings, parts[0][0], prefix, text)
        if namesakes:
            return MemberTiers([render_signature_list(namesakes, "member"), *named])
    return MemberTiers(named)


PATH_FIELDS = 4
"""Fields of a receiver whose own members, used past them on it, are shown."""
PATH_MEMBERS = 8
MAX_UNION_TYPES = 4
"""Types of a union annotation whose members are offered together."""
MAX_VARIABLE_MEMBERS = 16
"""Members of a module variable's type listed with it: the ones the file uses most."""
_VARIABLE_KINDS = frozenset({"constant", "variable"})


def variable_members(
    bindings: Bindings,
    row: SymbolRow,
    local_name: str,
    text: str,
    *,
    is_expired: Callable[[], bool] = lambda: False,
) -> list[SymbolRow]:
    """The members of the type a top-level JavaScript or TypeScript variable is declared
    with or constructed as (`export let globalState: MobXGlobals = ...`, `export const
    store = new Store()`) that `text` names as `<local_name>.member`, most named first:
    a module-wide object is used through its members, and the line about to be written
    reaches for one of them before anything is typed after its name."""
    if row.language not in JS_FAMILY or row.kind not in _VARIABLE_KINDS or row.container:
        return []
    # The signature says first whether there is a type to follow: that costs no scan.
    declared = _declared_type(row.signature, row.name, row.language)
    if not declared:
        constructed = re.search(
            rf"(?<![\w$]){re.escape(row.name)}\s*=\s*new\s+([A-Za-z_$][\w$.]*)", row.signature
        )
        if constructed is None:
            return []
        declared = constructed.group(1)
    pattern = re.compile(rf"(?<![\w$.]){re.escape(local_name)}\s*!?\s*\??\.\s*([A-Za-z_$][\w$]*)")
    used = Counter(m.group(1) for m in matches_near(pattern, text, (local_name,)))
    if not used:
        return []
    resolver = _Resolver(bindings, is_expired)
    target = resolver.type_named(declared, row.rel_path)
    if not target.types:
        return []
    return _used_members(resolver, target, used)[:MAX_VARIABLE_MEMBERS]


def _used_members(resolver: _Resolver, target: Target, used: Counter[str]) -> list[SymbolRow]:
    """The members of `target`'s type that `used` counts, one per name, most used first."""
    members: dict[str, SymbolRow] = {}
    for member in resolver.members_of(target):
        if used[member.name] and member.kind not in _MEMBER_TYPE_KINDS:
            members.setdefault(member.name, member)
    return sorted(members.values(), key=lambda m: -used[m.name])


def _scoped_blanket_traits(bindings: Bindings) -> list[SymbolRow]:
    """The crate's blanket-implemented traits (`retrieval.impls.blanket_traits`) whose
    name the file has in scope: a trait's methods need it there to be called."""
    found = []
    for trait in blanket_traits(bindings.store, bindings.path):
        visible = bindings.resolve_type(trait.name)
        if any(
            (r.rel_path, r.start_line_idx) == (trait.rel_path, trait.start_line_idx)
            for r in visible
        ):
            found.append(trait)
    return found


def _nearby(bindings: Bindings, text: str, offset: int, cursor_line: int) -> frozenset[str] | None:
    """The words around the cursor that name a big type's unused member (Go, Rust, Python,
    Java, C++): the lines near it, and, but in Python, the enclosing function's name, since a
    method that delegates calls its namesake on a field (`fn sort_unstable` runs
    `self.map.sort_unstable_keys()`)."""
    if bindings.language not in _NEARBY_LANGUAGES:
        return None
    words = nearby_words(text, offset)
    if bindings.language == "python":
        # Python's ranking was measured on the lines alone, without the function's name.
        return words
    function = _innermost(bindings.definitions_in_file(bindings.path), cursor_line, _FUNCTION_KINDS)
    return words | name_words(function.name) if function is not None else words


def _statics_of_named_class(
    resolver: _Resolver, owner: SymbolRow, receiver: str, members: list[SymbolRow]
) -> list[SymbolRow]:
    """`members` as `Owner.` reaches them in JavaScript: when the receiver names the class
    or constructor itself, only its static members (`static create ()`, `Owner.create =
    create`, `Object.defineProperty(Owner, ...)`), since instance members need an
    instance; all of them when none is static."""
    if receiver.strip().rstrip(".?").strip() != owner.name or owner.kind not in (
        "class",
        "function",
    ):
        return members
    statics = {
        (r.rel_path, r.start_line_idx)
        for r in static_members(resolver.bindings_of(owner.rel_path), owner)
    }
    # `Object.defineProperty(Owner, 'LEVEL', ...)` defines a static; on `Owner.prototype`
    # an instance member.
    defined_on_class = re.compile(rf"Object\.defineProperty\(\s*{re.escape(owner.name)}\s*,")
    kept = [
        r
        for r in members
        if (r.rel_path, r.start_line_idx) in statics
        or r.signature.lstrip().startswith("static ")
        or defined_on_class.match(r.signature) is not None
    ]
    return kept or members


def callee_rows(
    bindings: Bindings, text: str, callee_end: int, *, is_expired: Callable[[], bool]
) -> tuple[list[SymbolRow], bool]:
    """What the callee ending at character `callee_end` may be (`self.eat`, `Error::new`,
    `pkg.Fn`): the members of that name of the chain's type, or the module's definition;
    and whether it is a method call (`x.f(`, whose `self` is the receiver)."""
    found = _chain_target(bindings, text, callee_end, is_expired)
    if found is None or not found.match.group(2):
        return [], False
    resolver, target, match = found.resolver, found.target, found.match
    name = match.group(2)
    is_method_call = not match.group(1).rstrip().endswith("::")
    if target.types:
        members = resolver.members_of(target)
        return [r for r in members if r.name == name and r.kind in _FUNCTION_KINDS], is_method_call
    if target.module_paths:
        return bindings.in_module(name, target.module_paths)[:1], False
    return [], is_method_call


def type_rows(
    bindings: Bindings, type_text: str, path: str, *, is_expired: Callable[[], bool]
) -> list[SymbolRow]:
    """The type a type expression written in file `path` names (`Token<'a>`, `*Level`),
    wrappers looked through as for a receiver's annotation; empty when none resolves."""
    return list(_Resolver(bindings, is_expired).type_named(type_text, path).types[:1])


@dataclass(frozen=True)
class _Chain:
    """What a chain of names before the cursor reaches into, and how it was read."""

    resolver: _Resolver
    target: Target
    match: re.Match[str]
    """The chain's match on the line up to the cursor (`match.string`), continued lines
    included."""
    parts: list[tuple[str, bool]]
    """The chain's names, each with whether a call follows it."""


def _chain_target(
    bindings: Bindings, text: str, offset: int, is_expired: Callable[[], bool]
) -> _Chain | None:
    """What the chain of names before character `offset` reaches into (`self.de.|`:
    the type of `self.de`); None where no chain ends there."""
    line_start = text.rfind("\n", 0, offset) + 1
    line_text = _continued(text, line_start) + text[line_start:offset]
    if bindings.language == "python":
        # `->` is Python's return arrow (`def f(x) -> nodes.|`), never a member access.
        line_text = line_text.rsplit("->", 1)[-1]
    match = _CHAIN.search(line_text)
    if match is None and bindings.language in _CAST_LANGUAGES:
        return _cast_target(bindings, text, line_text, is_expired)
    if match is None:
        return None
    parts = [(m.group(1), m.group(2) is not None) for m in _CHAIN_PART.finditer(match.group(1))]
    if not parts:
        return None
    resolver = _Resolver(bindings, is_expired, text)
    cursor_line = text.count("\n", 0, offset)
    target, n_used = Target(), 0
    if bindings.language == "rust" and re.match(r"\s*\$?[A-Za-z_]\w*\s*::", match.group(1)):
        target, n_used = _rust_path_target(bindings, parts)
    if n_used == 0 and parts[0][1]:
        # `put_back(iter).|`: a function called at the chain's head gives its stated return
        # type (`-> PutBack<I>`), or a type called as a constructor (`Source(...)`) itself.
        target = resolver.qualified([parts[0][0]], bindings.path)
        n_used = 1 if target.types or target.module_paths else 0
    if n_used == 0:
        target = _head_target(resolver, text, offset, cursor_line, parts[0][0])
        n_used = 1
    target = resolver.members_chain(target, parts[n_used:])
    if not (target.types or target.module_paths) and len(parts) > 1:
        # `ctx.response.|` with an untyped `ctx`: a module or type the file binds to the
        # last name (`const response = require('./response')`) is the best guess left;
        # in Java, lower-case names only spell a package (`java.sql.|`).
        last = parts[-1][0]
        module = bindings.module_paths(last) or package_paths(bindings, parts)
        target = Target(module_paths=module, types=tuple(bindings.resolve_type(last)[:1]))
    if not (target.types or target.module_paths) and bindings.language == "python":
        # `m.|` with an untyped `m`: the class that defines what the file calls on it.
        duck = duck_typed_class(bindings, text, offset, match.group(1), is_expired)
        target = Target(types=(duck,)) if duck is not None else target
    return _Chain(resolver, target, match, parts)


def _cast_target(
    bindings: Bindings, text: str, line_text: str, is_expired: Callable[[], bool]
) -> _Chain | None:
    """`((Node) prefs).|`, `((struct node *)p)->|`: the members of the type cast to."""
    match = _CAST.search(line_text)
    if match is None:
        return None
    resolver = _Resolver(bindings, is_expired, text)
    cast = _CAST_TYPE.match(match.group(1))
    type_text = cast.group(1) if cast is not None else ""
    target = resolver.type_named(type_text, bindings.path) if type_text else Target()
    return _Chain(resolver, target, match, [])


def _continued(text: str, line_start: int) -> str:
    """The lines before `line_start` that a chain continued on the line there began on,
    joined without their breaks and indentation: for a line that starts with `.`
    (`Text("\\n")\\n    .join(lines)\\n    .|`), up to `MAX_CHAIN_LINES` lines, back to the
    first that does not; empty otherwise."""
    if _CONTINUED.match(text, line_start) is None:
        return ""
    lines: list[str] = []
    end = line_start - 1
    while end > 0 and len(lines) < MAX_CHAIN_LINES:
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end].strip()
        if not line:
            break
        lines.append(line)
        if not line.startswith("."):
            break
        end = start - 1
    return "".join(reversed(lines))


def _head_target(
    resolver: _Resolver, text: str, offset: int, cursor_line: int, name: str, depth: int = 0
) -> Target:
    """What the chain's first name stands for at the cursor."""
    bindings = resolver.bindings
    rows = bindings.definitions_in_file(bindings.path)
    function = _innermost(rows, cursor_line, _FUNCTION_KINDS)
    owner = _enclosing_type(resolver, rows, cursor_line, function)
    if (name in _SELF_NAMES or name == "Self") and owner is not None:
        return Target(types=(owner,))
    constructor = required_constructor(bindings, name)
    if constructor is not None:
        return Target(types=(constructor,))
    module = bindings.module_paths(name)
    if module:
        return Target(module_paths=module)
    if bindings.language in JS_FAMILY:
        # `observable((observer) => observer.|)`: the callee's parameter types `observer`.
        called = _callback_target(resolver, text, offset, cursor_line, name, depth)
        if called.types or called.module_paths:
            return called
    if function is not None and bindings.language in JS_FAMILY:
        # `if (isObservable(value)) {`: a type guard's `x is Observable` narrows `value`.
        body = text[_line_offset(text, function.start_line_idx) : offset]
        guarded = _guarded_target(resolver, guard_call(body, name))
        if guarded.types:
            return guarded
    if function is not None:
        # A parameter or a Go method's receiver, as the signature declares it.
        if bindings.language in JS_FAMILY:
            # Only the function's own parameters: `(r: Reaction) => T` types another `r`.
            declared = parameter_type(function.signature, name)
        else:
            declared = _declared_type(function.signature, name, bindings.language)
        if declared and bindings.language == "rust":
            declared = generic_bound(function.signature, declared.strip(" &")) or declared
        if declared and bindings.language == "python":
            # `param: Parameter` narrowed by `if not isinstance(param, Option): return`.
            declared = _narrowed_parameter(text, function, offset, name) or declared
        if declared:
            found = resolver.type_named(declared, bindings.path, owner)
            if found.types or found.module_paths:
                return found
    start = _line_offset(text, function.start_line_idx) if function is not None else 0
    if function is not None:
        documented = _documented_type(text[max(0, start - DOC_CHARS) : start], name)
        if documented:
            found = resolver.type_named(documented, bindings.path, owner)
            if not found.types and not found.module_paths and bindings.language in JS_FAMILY:
                found = Target(types=tuple(jsdoc_types(bindings, text, documented)[:1]))
            if found.types or found.module_paths:
                return found
    declaration = _declaration(text[start:offset], name, bindings.language)
    if declaration is None and start:
        declaration = _declaration(text[:start], name, bindings.language)
    else:
        declaration = (declaration[0] + start, *declaration[1:]) if declaration else None
    if bindings.language == "python":
        narrowed = narrowed_type(text[start:offset], name)
        if narrowed is not None and (declaration is None or start + narrowed[0] > declaration[0]):
            found = resolver.type_named(narrowed[1], bindings.path, owner)
            if found.types:
                return found
        assigned = _python_assigned(resolver, text, start, offset, cursor_line, name, depth)
        if assigned is not None and (declaration is None or assigned[0] >= declaration[0]):
            return assigned[1]
    if declaration is not None:
        at, is_type, expression = declaration
        if is_type:
            found = resolver.type_named(expression, bindings.path, owner)
        else:
            found = _value_target(resolver, text, at, cursor_line, expression, depth)
        if found.types or found.module_paths:
            return found
    if owner is not None and bindings.language in _IMPLICIT_THIS:
        # A bare field of the enclosing class (`m_lexer.`), as `this->m_lexer.` would be.
        for row in resolver.all_members(owner):
            if row.name == name and row.kind in ("field", "variable", "constant"):
                found = resolver.field_type(row, owner)
                if found.types or found.module_paths:
                    return found
    types = tuple(bindings.resolve_type(name))
    if not types:
        named_like = class_named_like(bindings, name, text)
        types = (named_like,) if named_like is not None else ()
    if not types:
        namespace = namespace_paths(bindings, name)
        if namespace:
            # `detail::`: every file that opens the namespace.
            return Target(module_paths=namespace)
    return Target(types=types[:1])


def _callback_target(
    resolver: _Resolver, text: str, offset: int, cursor_line: int, name: str, depth: int
) -> Target:
    """The type the callee's signature gives `name`, an untyped parameter of a function
    passed to it (`observable((observer) => ...)`, `new ReadableStream({ pull(c) {} })`)."""
    slot = callback_slot(text, offset, name)
    if slot is None or depth >= 3:
        return Target()
    words = slot.callee.split(".")
    if len(words) == 1:
        rows = resolver.bindings.resolve(words[0])[:1]
    else:
        receiver = _head_target(resolver, text, offset, cursor_line, words[0], depth + 1)
        owner = resolver.members_chain(receiver, [(w, False) for w in words[1:-1]])
        rows = [m for m in resolver.members_of(owner) if m.name == words[-1]][:1]
    signatures = [(row.signature, row.name, row.rel_path) for row in rows]
    if rows and rows[0].kind in TYPE_KINDS:
        # `new ReadableStream(...)`: the class's constructor says what it takes.
        built = constructor_signature(resolver.bindings.store, rows[0])
        signatures = [(built, "constructor", rows[0].rel_path)] if built else []
    for signature, callee, path in signatures:
        flat = " ".join(signature.split())
        open_at = flat.find("(", max(0, flat.find(callee)))
        declared = parameter_types(flat, open_at)[slot.argument : slot.argument + 1]
        if not declared or declared[0] is None:
            continue
        if slot.key is None:
            found = function_parameter(declared[0], slot.parameter)
        else:
            found = _member_parameter(resolver, declared[0], path, slot)
        if found:
            return resolver.type_named(found, path)
    return Target()


def _member_parameter(
    resolver: _Resolver, declared: str, path: str, slot: CallbackSlot
) -> str | None:
    """The type that member `slot.key` of the object type `declared` gives its parameter
    `slot.parameter`: a method's (`pull(controller: C): void`) or a function-typed
    property's (`next: (value: T) => void`)."""
    for member in resolver.members_of(resolver.type_named(declared, path)):
        if member.name != slot.key:
            continue
        flat = " ".join(member.signature.split())
        value = re.search(rf"(?<![\w$]){re.escape(member.name)}\s*\??\s*:\s*(.+)", flat)
        if value is not None and "=>" in value.group(1):
            return function_parameter(value.group(1).rstrip(";, "), slot.parameter)
        open_at = flat.find("(", flat.find(member.name))
        if open_at >= 0:
            types = parameter_types(flat, open_at)
            return types[slot.parameter] if slot.parameter < len(types) else None
    return None


def _guarded_target(resolver: _Resolver, guard: str | None) -> Target:
    """The type a type guard function named `guard` asserts (`x is Observable`)."""
    if guard is None:
        return Target()
    for row in resolver.bindings.resolve(guard)[:1]:
        asserted = guarded_type(row.signature) if row.kind in _FUNCTION_KINDS else None
        if asserted:
            return resolver.type_named(asserted, row.rel_path)
    return Target()


def _narrowed_parameter(text: str, function: SymbolRow, offset: int, name: str) -> str | None:
    """The type an `isinstance` test in `function` narrows its parameter `name` to at
    `offset`, unless `name` is assigned again after the test."""
    start = _line_offset(text, function.start_line_idx)
    narrowed = narrowed_type(text[start:offset], name)
    if narrowed is None or last_assignment(text[start + narrowed[0] : offset], name):
        return None
    return narrowed[1]


def _python_assigned(
    resolver: _Resolver,
    text: str,
    start: int,
    offset: int,
    cursor_line: int,
    name: str,
    depth: int,
) -> tuple[int, Target] | None:
    """Where and to what type the Python name `name` was last assigned between `start` and
    `offset`, when the value needs more than a chain of names: a subscript, a loop or an
    unpacking (`item = self._body[i][1]`, `for key, item in pairs.items()`)."""
    assignment = last_assignment(text[start:offset], name)
    if assignment is None or depth >= 3:
        return None
    has_subscript = any(step.subscripts for step in assignment.steps)
    is_plain = not (assignment.is_loop or assignment.is_parenthesized)
    if not has_subscript and is_plain and assignment.position is None:
        return None
    found = _python_value(
        resolver, text, start + assignment.value_at, cursor_line, assignment, depth
    )
    return (start + assignment.at, found) if found.types or found.module_paths else None


def _python_value(
    resolver: _Resolver,
    text: str,
    at: int,
    cursor_line: int,
    assignment: Assignment,
    depth: int,
) -> Target:
    """The type of the name an `Assignment` binds: its value's chain of names, calls and
    subscripts, then the loop's element and the unpacked position."""
    head, *rest = assignment.steps
    target = Target()
    if head.is_call:
        target = resolver.qualified([head.name], resolver.bindings.path)
    if not (target.types or target.module_paths):
        target = _head_target(resolver, text, at, cursor_line, head.name, depth + 1)
    target = _subscripts(resolver, target, head.subscripts)
    is_iterated = False
    for idx, step in enumerate(rest):
        if assignment.is_loop and idx == len(rest) - 1 and step.is_call and not step.subscripts:
            element = iterated(target.annotation, step.name)
            if element is not None:
                target = resolver.type_named(element, target.annotation_path)
                is_iterated = True
                break
        target = resolver.member(target, step.name, step.is_call)
        target = _subscripts(resolver, target, step.subscripts)
    if assignment.is_loop and not is_iterated:
        element = iterated(target.annotation)
        target = resolver.type_named(element, target.annotation_path) if element else Target()
    if assignment.position is not None:
        item = unpacked(target.annotation, assignment.position)
        target = resolver.type_named(item, target.annotation_path) if item else Target()
    return target


def _subscripts(resolver: _Resolver, target: Target, subscripts: Sequence[str]) -> Target:
    """The type of `value[a][b]` for a value of type `target`, read from its annotation."""
    for index in subscripts:
        element = subscripted(target.annotation, index) if target.annotation else None
        if element is None:
            return Target()
        target = resolver.type_named(element, target.annotation_path)
    return target


def _rust_path_target(bindings: Bindings, parts: Sequence[tuple[str, bool]]) -> tuple[Target, int]:
    """A Rust path from the crate root or this module (`crate::ser::`, `super::de::`, a
    macro's `$crate::`, the crate's own name: `itertools::free::`): the module of its
    longest prefix that resolves, and how many parts that took (0: none)."""
    # A macro's `$crate` is the crate root of the macro's own crate, this one.
    names = ["crate" if name == "$crate" else name for name, _ in parts]
    found = module_prefix(bindings.store.root, bindings.path, names)
    if found is None:
        return Target(), 0
    # Only the segments that are modules are taken: `crate::ser::Error::` goes on from the
    # module `crate::ser` to its type `Error`, whose variants are what the cursor wants.
    return Target(module_paths=(found[0],)), found[1]


def _chain_parts(expression: str) -> list[tuple[str, bool]]:
    """The names of a chain of members and calls (`env.tokenize(src).stream`), each with
    whether it is called."""
    head = _QUALIFIED_CALLS.match(expression)
    text = head.group(0) if head is not None else ""
    return [(m.group(1), m.group(2) is not None) for m in _CHAIN_PART.finditer(text)]


def _documented_type(text: str, name: str) -> str | None:
    """The type a doc comment just before a function gives its parameter `name`
    (JSDoc's `@param {Command} cmd`, `@param {Command} [cmd]`)."""
    found = re.findall(rf"@param\s+\{{([^{{}}]+)\}}\s+\[?{re.escape(name)}\b", text)
    return found[-1] if found else None


def _value_target(
    resolver: _Resolver, text: str, at: int, cursor_line: int, expression: str, depth: int
) -> Target:
    """The type of an assigned or iterated value: a constructor, or a chain of names,
    members and calls (`ctx.make_formatter()`, `cmd.Commands()`), resolved from its head."""
    parts = [(m.group(1), m.group(2) is not None) for m in _CHAIN_PART.finditer(expression)]
    if not parts or depth >= 3:
        return Target()
    head, is_call = parts[0]
    if len(parts) == 1:
        found = resolver.qualified([head], resolver.bindings.path)
        if found.types or found.module_paths or is_call:
            return found
    target = _head_target(resolver, text, at, cursor_line, head, depth + 1)
    return resolver.members_chain(target, parts[1:])


def _enclosing_type(
    resolver: _Resolver, rows: list[SymbolRow], cursor_line: int, function: SymbolRow | None
) -> SymbolRow | None:
    """The class, struct or impl the cursor is in (for Go and Rust: the method's owner)."""
    owner = _innermost(rows, cursor_line, TYPE_KINDS - {"impl", "module"})
    if owner is not None:
        return owner
    if function is not None and function.container:
        return resolver.type_row(function.container, function.rel_path)
    return None


def _innermost(rows: list[SymbolRow], line_idx: int, kinds: frozenset[str]) -> SymbolRow | None:
    enclosing = [
        r for r in rows if r.kind in kinds and r.start_line_idx <= line_idx <= r.end_line_idx
    ]
    return max(enclosing, key=lambda r: r.start_line_idx, default=None)


def _line_offset(text: str, line_idx: int) -> int:
    at = 0
    for _ in range(line_idx):
        found = text.find("\n", at)
        if found < 0:
            return len(text)
        at = found + 1
    return at


_CHAIN_TEXT = r"((?:[A-Za-z_$][\w$]*\s*(?:\([^()\n]*\))?\s*(?:\.|::)\s*)*[A-Za-z_$][\w$]*)"


def _declaration(text: str, name: str, language: str) -> tuple[int, bool, str] | None:
    """`_local_declaration`, and for Go also `go_types.go_declaration`: the later one."""
    found = _local_declaration(text, name)
    if language == "go":
        other = go_declaration(text, name)
        if other is not None and (found is None or other[0] > found[0]):
            return other
    return found


def _local_declaration(text: str, name: str) -> tuple[int, bool, str] | None:
    """The last declaration of `name` in `text`: where it is, whether it states a type, and
    the type or the value's expression (`Source`, `ctx.make_formatter`, `Store::new`, the
    collection a `for` loop iterates)."""
    n = re.escape(name)
    value = _CHAIN_TEXT
    # Each pattern with the literal its matches start with, so that only the places where
    # it occurs are tried (`literal_scan`): seven scans of a 100 KB file cost 40 ms.
    patterns = [
        # `opts?: ForkOptions,` in a nested arrow function's parameters is TypeScript's too.
        (True, rf"(?<![\w$.]){n}\s*\??\s*:\s*([^=\n;{{]+?)\s*(?:=|;|\n|$)", name),
        (
            False,
            rf"(?<![\w$.]){n}\s*(?::=|=)\s*(?:await\s+|new\s+|&\s*(?:mut\s+)?)?{value}"
            rf"\s*(?:\(|\{{|<|!|$|\n|;)",
            name,
        ),
        (
            # TypeScript's cast at the end of the value (`const def = x._zod.def as Def`)
            # states the type whatever the value's.
            True,
            rf"(?<![\w$.]){n}\s*(?::[^=\n;]*)?=[^;\n]*?\s+as\s+"
            rf"(?!const\b|any\b|unknown\b)([A-Za-z_$][\w$.]*)\s*(?:<[^;\n]*>)?\s*(?:;|\n|$)",
            name,
        ),
        (False, rf"\bwith\s+{value}\s*\([^\n]*?\bas\s+{n}\b", "with"),
        (False, rf"\bfor\s+(?:[\w$]+\s*,\s*)?{n}\s*(?::=\s*range\s+|\s+in\s+){value}", "for"),
        (False, rf"\bfor\s*\(\s*(?:const|let|var)\s+{n}\s+of\s+{value}", "for"),
        (True, rf"\bvar\s+{n}\s+\*?([A-Za-z_$][\w$.]*)", "var"),
        (
            True,
            # `[A-Z](?<![\w$][A-Z])` is `(?<![\w$])[A-Z]` with the class first, which
            # lets `re` skip to the capitals: three times faster.
            rf"([A-Z](?<![\w$][A-Z])[\w$]*(?:\s*(?:\.|::)\s*[A-Za-z_$][\w$]*)*)\s*"
            rf"(?:<[^<>;=]*>)?[\s*&]+(?P<name>{n})\s*(?:=|;|,|\))",
            "",
        ),
    ]
    best: tuple[int, bool, str] | None = None
    for is_type, pattern, literal in patterns:
        compiled = re.compile(pattern)
        matches = matches_near(compiled, text, (literal,)) if literal else compiled.finditer(text)
        for match in matches:
            # `PushGroup<?> pg = exchange.getPushGroup()` is one declaration: placed at its
            # name, the stated type wins over the value, whose type takes more guessing.
            at = match.start("name") if "name" in compiled.groupindex else match.start()
            if best is None or (at, is_type) > best[:2]:
                best = (at, is_type, match.group(1).strip())
    if best is None or not best[2]:
        return None
    at, is_type, found = best
    if found.endswith(("::new", "::default")):
        found = found.rsplit("::", 1)[0]
    return at, is_type, found


def _declared_type(signature: str, name: str, language: str) -> str | None:
    """The type that a signature or field declaration gives `name`: `name: T` (Python,
    TypeScript, Rust), `name T` / `name *T` (Go), `T name` (Java, C, C++, C#)."""
    n = re.escape(name)
    if language == "python":
        # A Python annotation may hold commas (`dict[str, Item]`): read it bracket by bracket.
        return declared_annotation(signature, name)
    # TypeScript's `name?: T` and `name!: T` (definitely assigned) state a type as well.
    found = re.search(rf"(?<![\w$.]){n}\s*[?!]?\s*:\s*([^=,)\n;{{]+(?:\[[^\]]*\])?)", signature)
    if found is not None:
        return found.group(1)
    if language == "go":
        found = re.search(rf"(?<![\w$.]){n}(?:\s*,\s*\w+)*\s+(\*?\s*[A-Za-z_][\w.]*)", signature)
        if found is not None:
            return found.group(1)
    found = re.search(
        # `Map<String, List<X>> m`, and C++'s brace initialisation (`position_t position {};`).
        rf"([A-Za-z_$][\w$.:]*)\s*(?:<(?:[^<>]|<[^<>]*>)*>)?[\s*&]+{n}\s*(?:[=;,)\[{{]|$)",
        signature,
    )
    if found is not None and found.group(1) not in _WRAPPERS:
        return found.group(1)
    return None


def _assigned_value(signature: str, name: str) -> str | None:
    """The right-hand side of `self.name = value` / `name = value` in a field's signature."""
    found = re.search(rf"{re.escape(name)}\s*(?::[^=]*)?=\s*(?:await\s+|new\s+)?(.+)", signature)
    return found.group(1).strip() if found is not None else None


def _return_annotation(signature: str, name: str, language: str) -> str | None:
    """The return type a function signature states, or None."""
    flat = " ".join(signature.split())
    if "->" in flat:
        return flat.rsplit("->", 1)[1].rstrip(":{ ").split(" where ", 1)[0]
    at = flat.find(name + "(")
    if at < 0:
        at = flat.find(name)
    if at < 0:
        return None
    close = closing_bracket(flat, flat.find("(", at), "(", ")")
    if close is None:
        if language in ("java", "c", "cpp", "csharp"):
            head = flat[:at].split()
            return head[-1] if head else None
        return None
    tail = flat[close + 1 :].strip()
    if language in ("typescript", "tsx", "javascript") and tail.startswith(":"):
        return tail[1:].strip().rstrip("{ ")
    if language == "go" and tail:
        return tail.strip("({ ").split(",")[0]
    if language in ("java", "c", "cpp", "csharp"):
        head = [w for w in flat[:at].split() if w not in _WRAPPERS]
        return head[-1] if head else None
    return None


def _is_union(text: str) -> bool:
    """Whether a type expression combines types at its top level (`A | B`, `A & B`; not
    `Map<A, B | C>`)."""
    depth = 0
    for ch in text.replace("=>", ""):
        if ch in "<([{":
            depth += 1
        elif ch in ">)]}":
            depth -= 1
        elif ch in "|&" and depth == 0:
            return True
    return False


def _type_candidates(text: str) -> list[list[str]]:
    """The qualified names in a type expression that may be the type, most likely first:
    wrappers (`Optional[...]`, `Arc<...>`, `*`, `&mut`) are looked through."""
    found: list[list[str]] = []
    wrappers: list[list[str]] = []
    for match in _QUALIFIED.finditer(text):
        words = [w.strip() for w in re.split(r"\.|::", match.group(0))]
        (wrappers if words[-1] in _WRAPPERS else found).append(words)
    # A wrapper's name may be a type of the project's own (JavaScript's `class Option`).
    return found + wrappers


def _base_names(owner: SymbolRow) -> list[list[str]]:
    """The base types named in a type's header: `class A(B, m.C):`, `extends B implements C`,
    `struct S : Base`."""
    header = " ".join(owner.signature.split("\n")[-1:] if owner.language == "python" else [])
    if owner.language == "python":
        found = re.search(r"class\s+\w+\s*(?:\[[^\]]*\])?\s*\((.*)\)", header)
        if found is None:
            return []
        text = re.sub(r"\w+\s*=\s*[\w.]+", "", found.group(1))
        return [c for c in _type_candidates(text) if c[-1] not in ("object", "Generic")]
    flat = " ".join(owner.signature.split()).replace("=>", "")
    # Type parameters and arguments go first: `interface Stores<T extends AnyRoute>` or
    # `class Box<T extends Comparable<T>>` names a constraint there, not a base.
    while (stripped := re.sub(r"<[^<>]*>", "", flat)) != flat:
        flat = stripped
    bases: list[list[str]] = []
    for keyword in ("extends", "implements", ":"):
        at = flat.find(f" {keyword} ") if keyword != ":" else flat.find(" : ")
        if at >= 0:
            listed = re.split(r"\b(?:extends|implements)\b|[{]", flat[at + len(keyword) + 2 :])[0]
            bases.extend(_type_candidates(listed))
    return bases


def _uses_through(text: str, path: str) -> Counter[str]:
    """How often the file names a member right after the module path `path` (`nodes.`,
    `crate::parser::`), spaces aside."""
    parts = [re.escape(p) for p in re.split(r"\s+", path.strip()) if p]
    joined = r"\s*".join(parts)
    pattern = rf"(?<![\w$.]){joined}\s*([A-Za-z_$][\w$]*)"
    return Counter(m.group(1) for m in re.finditer(pattern, text))


def _member_uses(text: str, offset: int) -> Counter[str]:
    """How often the file names each member after `.`, `::` or `->`; uses within
    `NEAR_CHARS` before the cursor or `NEAR_AFTER_CHARS` after it count three times (the
    code after the cursor is in the prompt too, and often calls what is about to be)."""
    uses: Counter[str] = Counter(m.group(1) for m in _USE.finditer(text))
    near = max(0, offset - NEAR_CHARS)
    after = min(len(text), offset + NEAR_AFTER_CHARS)
    for _ in range(2):
        uses.update(m.group(1) for m in _USE.finditer(text, near, offset))
        uses.update(m.group(1) for m in _USE.finditer(text, offset, after))
    return uses


def _ordered(
    rows: Sequence[SymbolRow],
    prefix: str,
    uses: Counter[str],
    wanted: frozenset[str] = frozenset(),
    package_uses: Counter[str] | None = None,
    owner_path: str | None = None,
    *,
    kinds_first: frozenset[str] = frozenset(),
    nearby: frozenset[str] | None = None,
    close: frozenset[str] = frozenset(),
) -> list[SymbolRow]:
    """`rows` without repeated signatures, best first (`_picked` takes the best few): those
    starting with the typed `prefix`, then containing it, then (when given) those of
    `kinds_first`, then sharing words with the assigned name (`wanted`), then by use in this
    file, then in the package's others (Go, Java), public first, source order last; those
    sharing `MIN_NEARBY_WORDS` or more of the words `close` come before the used ones; those
    out of reach from the file `owner_path` (`_is_hidden`) come after all others of their
    match."""
    elsewhere = package_uses or Counter()
    lowered = prefix.lower()
    unique: dict[str, tuple[int, SymbolRow]] = {}
    for idx, row in enumerate(rows):
        # A field and a method may share a name (Rust's `items` and `items()`); an
        # override repeats its base's signature, and the nearer one comes first. A Python
        # name is one member however often it is defined (`@overload`s, a property's
        # setter, an override with other parameters): one line says what it is.
        signature = _normalized(row.signature)
        identity = row.name if row.language == "python" else signature
        if identity not in unique and row.kind not in ("impl", "module"):
            unique[identity] = (idx, row)

    def key(item: tuple[int, SymbolRow]) -> tuple[int, ...]:
        idx, row = item
        name = row.name.lower()
        match = 0 if name.startswith(lowered) else 1 if lowered in name else 2
        return (
            match,
            int(bool(kinds_first) and row.kind not in kinds_first),
            int(_is_hidden(row, owner_path)),
            -affinity(row.name, wanted),
            -_strong(affinity(row.name, close)),
            -uses[row.name],
            -affinity(row.name, nearby or frozenset()),
            -elsewhere[row.name],
            int(row.name.startswith("_")),
            idx,
        )

    return [row for _, row in sorted(unique.values(), key=key)]


def _picked(ordered: list[SymbolRow], limit: int, nearby: frozenset[str] | None) -> list[SymbolRow]:
    """The best `limit` of `_ordered`'s list, the last places kept for the unused members
    the lines around the cursor name."""
    if not nearby or len(ordered) <= limit:
        return ordered[:limit]
    # A big type's members that this file already uses fill the list; the last places go
    # to unused ones that the lines around the cursor name (`--version` before `cmd.|`).
    named = [r for r in ordered[limit:] if affinity(r.name, nearby) >= MIN_NEARBY_WORDS]
    named.sort(key=lambda r: -affinity(r.name, nearby))
    taken = named[: min(NEARBY_SLOTS, limit // 2)]
    return ordered[: limit - len(taken)] + taken


def _strong(shared: int) -> int:
    """`shared` words, or none when too few to tell one name from its neighbours."""
    return shared if shared >= MIN_NEARBY_WORDS else 0


@lru_cache(maxsize=16384)
def _normalized(signature: str) -> str:
    """A signature with each run of blanks made one space (kept: a big type's members are
    ranked again on every keystroke)."""
    return " ".join(signature.split())


def _is_hidden(row: SymbolRow, owner_path: str | None) -> bool:
    """Whether `row` is out of reach from the file `owner_path` (None: unknown): declared
    `private` (Java, C#, TypeScript, C++ members), or in Go unexported (lower case) and
    defined in another package's folder."""
    if re.match(r"\s*(?:@\w+\s+)*(?:\w+\s+)*?private\b", row.signature.split("(", 1)[0]):
        return owner_path is None or row.rel_path != owner_path
    if row.language == "go" and owner_path is not None and row.name[:1].islower():
        return posixpath.dirname(row.rel_path) != posixpath.dirname(owner_path)
    return False


def _path_members(
    resolver: _Resolver,
    target: Target,
    rows: Sequence[SymbolRow],
    text: str,
    offset: int,
    receiver: str,
) -> list[Snippet]:
    """For the `PATH_FIELDS` fields among `rows` that the file reaches through most on the
    same receiver (`router.stores.matches` elsewhere in it), the members of the field's
    type used that way (`matches`, `setMatches`), the most used first: a line that starts
    at `router.|` often goes on past the field, and what follows is one of those."""
    paths: list[tuple[int, str, Counter[str]]] = []
    for name in dict.fromkeys(r.name for r in rows if r.kind not in _FUNCTION_KINDS):
        used = receiver_uses(text, offset, receiver + name)
        if used:
            paths.append((-sum(used.values()), name, used))
    snippets: list[Snippet] = []
    for _, name, used in sorted(paths, key=lambda p: p[0])[:PATH_FIELDS]:
        if resolver.is_expired():
            break
        field_target = resolver.member(target, name, False)
        if not field_target.types:
            continue
        ranked = _used_members(resolver, field_target, used)[:PATH_MEMBERS]
        if ranked:
            snippets += _render_by_owner(resolver, field_target.types[0], ranked)
    return snippets


def _module_rows(
    bindings: Bindings, paths: tuple[str, ...], is_expired: Callable[[], bool]
) -> list[SymbolRow]:
    """The top-level definitions of a module's files (a Go package's whole folder), and the
    names a package's `__init__` or `mod.rs` re-exports, by name or wholesale (a barrel's
    `export * from "./schemas.js"`, `from .core import *`)."""
    rows: list[SymbolRow] = []
    for path in star_exported_paths(bindings.store, sorted(paths))[:MAX_MODULE_FILES]:
        if is_expired():
            break
        rows.extend(r for r in bindings.definitions_in_file(path) if r.container is None)
        for name in bindings.reexported_names(path):
            rows.extend(bindings.in_module(name, (path,))[:1])
    return rows


def _render_by_owner(
    resolver: _Resolver, owner: SymbolRow, rows: Sequence[SymbolRow]
) -> list[Snippet]:
    """One outline per type that defines some of `rows` (the receiver's own type and its
    bases), in the order of each one's best member."""
    groups: dict[tuple[str, str | None], list[SymbolRow]] = {}
    for row in rows:
        groups.setdefault((row.rel_path, row.container), []).append(row)
    snippets = []
    for (path, container), members in groups.items():
        header = owner if (path, container) == (owner.rel_path, owner.name) else None
        if header is None and container is not None:
            header = resolver.type_row(container, path)
        snippets.append(_outline(header, members))
    return snippets


def _render_by_file(rows: Sequence[SymbolRow]) -> list[Snippet]:
    """One snippet of one-line signatures per module file, in the order of each one's best."""
    groups: dict[str, list[SymbolRow]] = {}
    for row in rows:
        groups.setdefault(row.rel_path, []).append(row)
    return [_outline(None, members) for members in groups.values()]


def _outline(header: SymbolRow | None, members: Sequence[SymbolRow]) -> Snippet:
    """`members`' one-line signatures, under `header`'s header line when there is one."""
    lines = [one_line(m.signature) for m in members]
    body = "".join(dict.fromkeys(line + "\n" for line in lines if line))
    start = min(m.start_line_idx for m in members)
    end = max(m.end_line_idx for m in members)
    path = members[0].rel_path
    if header is None:
        return Snippet("member", path, start, end, body)
    text = type_header(header) + "".join(_INDENT + line for line in body.splitlines(True))
    text += type_closer(header)
    if header.rel_path == path:
        start = min(start, header.start_line_idx)
    return Snippet("member", path, start, end, text)
