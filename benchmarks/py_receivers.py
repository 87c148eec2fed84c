"""The classes a Python receiver's own code says it is, for the recall oracle's namesakes.

The oracle leaves out a member whose name a standard-library class defines too (`dt.day` on
a `datetime` is not the package's own `day: int`), unless the code says that the receiver
is one of the tree's classes that has the member: then the hole is a real cross-file one
(`self.logger` in `class Flask(App)` is `App.logger`, however many stdlib classes have a
`logger`). What the code says, read with `ast` and no type inference:

- `self` and `cls`: the class the line is in;
- a parameter of the enclosing functions, by its annotation (`msg: Message`,
  `Optional["Message"]`, `Message | None`);
- a name annotated or assigned a constructor call in the enclosing functions or at the
  top level of the file (`m = Message()`, `current_app: Flask = LocalProxy(...)`), or such a
  top-level name of another file of the tree that this file imports by name;
- an attribute of a receiver so known (`self.app.config`), by what its class (or a base)
  says of it: a class-level annotation or constructor call, or in a method
  `self.app: Flask`, `self.app = Flask(...)` or `self.app = app` with the method's
  parameter `app: Flask`.

A class has a member when it or one of its bases (by name, through the tree's classes,
transitively) is the member's container.

Guarantees: a file that does not parse says nothing (every namesake of it is left out, as
before); the answer depends only on the tree's text.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

_SELF_NAMES = frozenset({"self", "cls"})
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass
class TreeClasses:
    """The tree's classes by name with their bases and attributes, and its files'
    top-level names, each with the class names the code says it is."""

    bases: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    attributes: dict[str, dict[str, set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )
    """Class -> attribute -> the class names its annotation or assigned value says."""
    top_level: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    """File -> top-level name -> the class names its annotation or constructor names."""

    @classmethod
    def of(cls, files: Iterable[tuple[str, str]]) -> TreeClasses:
        """Read from the tree's Python files, given as (relative path, text)."""
        found = cls()
        for rel_path, text in files:
            tree = _parsed(text)
            if tree is None:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef):
                    found.bases[node.name].update(n for b in node.bases for n in _names(b))
                    found._read_attributes(node)
            found.top_level[rel_path] = _bound_names(tree.body)
        return found

    def has_member(self, class_names: Iterable[str], container: str) -> bool:
        """Whether one of `class_names` is `container` or has it among its bases."""
        return container in self._lineage(class_names)

    def attribute(self, class_names: Iterable[str], name: str) -> set[str]:
        """The class names that the classes `class_names` (or their bases) say their
        attribute `name` is."""
        found: set[str] = set()
        for owner in self._lineage(class_names):
            found.update(self.attributes.get(owner, {}).get(name, ()))
        return found

    def _lineage(self, class_names: Iterable[str]) -> set[str]:
        """`class_names` that are the tree's, with all their bases in the tree."""
        pending = [n for n in class_names if n in self.bases]
        seen: set[str] = set()
        while pending:
            name = pending.pop()
            if name not in seen:
                seen.add(name)
                pending.extend(b for b in self.bases.get(name, ()) if b in self.bases)
        return seen

    def _read_attributes(self, node: ast.ClassDef) -> None:
        attributes = self.attributes[node.name]
        for name, classes in _bound_names(node.body).items():
            attributes[name].update(classes)
        for method in node.body:
            if not isinstance(method, _FUNCTIONS):
                continue
            parameters = _parameters(method)
            for statement in ast.walk(method):
                targets: list[ast.expr] = []
                said = set()
                if isinstance(statement, ast.AnnAssign):
                    targets, said = [statement.target], _names(statement.annotation)
                elif isinstance(statement, ast.Assign):
                    targets, value = statement.targets, statement.value
                    if isinstance(value, ast.Call):
                        said = _names(value.func)
                    elif isinstance(value, ast.Name):
                        said = parameters.get(value.id, set())
                for target in targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == "self"
                    ):
                        attributes[target.attr].update(said)


@dataclass(frozen=True)
class FileReceivers:
    """The classes the receivers of one file's lines are said to be."""

    classes: TreeClasses
    tree: ast.Module | None
    top_level: dict[str, set[str]]
    """This file's top-level names, with the classes its code says they are."""
    imported: dict[str, set[str]]
    """Names this file imports from the tree, with the classes their files bind them to."""

    @classmethod
    def of(
        cls, classes: TreeClasses, rel_path: str, text: str, imported_from: dict[str, str]
    ) -> FileReceivers:
        """`imported_from` maps each name the file imports by name to the tree file it
        comes from."""
        imported = {
            name: classes.top_level.get(source, {}).get(name, set())
            for name, source in imported_from.items()
        }
        tree = _parsed(text)
        top_level = _bound_names(tree.body) if tree is not None else {}
        return cls(classes, tree, top_level, imported)

    def owns(self, line_idx: int, receiver: str, container: str | None) -> bool:
        """Whether the code says that `receiver` (`msg`, `self.app`) on 0-based line
        `line_idx` is a tree class with a member in `container`."""
        if self.tree is None or container is None:
            return False
        head, *attributes = [part.strip() for part in receiver.split(".")]
        said = self._name_classes(line_idx, head)
        for attribute in attributes:
            said = self.classes.attribute(said, attribute)
        return self.classes.has_member(said, container)

    def _name_classes(self, line_idx: int, name: str) -> set[str]:
        scopes = list(_enclosing(self.tree, line_idx + 1)) if self.tree is not None else []
        if name in _SELF_NAMES:
            # The innermost class: a nested class's methods have their own `self`.
            return set([s.name for s in scopes if isinstance(s, ast.ClassDef)][-1:])
        found: set[str] = set()
        for scope in reversed(scopes):
            if isinstance(scope, _FUNCTIONS):
                found.update(_parameters(scope).get(name, ()))
                found.update(_bound_names(scope.body).get(name, ()))
        found.update(self.top_level.get(name, ()))
        found.update(self.imported.get(name, ()))
        return found


def _parsed(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, set[str]]:
    """A function's annotated parameters, with the class names each annotation says."""
    arguments = function.args
    listed: Sequence[ast.arg] = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    return {a.arg: _names(a.annotation) for a in listed if a.annotation is not None}


def _enclosing(tree: ast.AST, line: int) -> Iterator[ast.AST]:
    """The classes and functions around 1-based `line`, outermost first."""
    nodes: list[ast.AST] = [tree]
    while nodes:
        # Statements hold nested definitions too (`if TYPE_CHECKING:`, `try:`): every node
        # that spans the line is walked into, not only the definitions.
        nodes = [
            child
            for node in nodes
            for child in ast.iter_child_nodes(node)
            if getattr(child, "lineno", 0) <= line <= (getattr(child, "end_lineno", 0) or 0)
        ]
        yield from (n for n in nodes if isinstance(n, (ast.ClassDef, *_FUNCTIONS)))


def _bound_names(body: list[ast.stmt]) -> dict[str, set[str]]:
    """The names a block annotates or assigns a call to (`x: T`, `x = T(...)`), anywhere in
    it but inside nested definitions, with the class names that says."""
    found: dict[str, set[str]] = defaultdict(set)
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            found[node.target.id].update(_names(node.annotation))
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id].update(_names(node.value.func))
        pending.extend(ast.iter_child_nodes(node))
    return found


def _names(annotation: ast.expr) -> set[str]:
    """The class names an annotation or callee says: a name or an attribute's last part,
    looked through `Optional`, `Union`, `X | None`, `Type`, `ClassVar`, `Final`,
    `Annotated` and quotes (`Optional["Message"]` says `Message`); another generic says
    only itself (`dict[str, Message]` is no `Message`)."""
    node = annotation
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.Attribute):
        return {node.attr}
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return _names(ast.parse(node.value.strip(), mode="eval").body)
        except (SyntaxError, ValueError):
            return set()
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _names(node.left) | _names(node.right)
    if isinstance(node, ast.Subscript):
        base = _names(node.value)
        if not base & _LOOKED_THROUGH:
            return base
        inner = node.slice
        if isinstance(inner, ast.Tuple):
            elements = inner.elts[:1] if "Annotated" in base else inner.elts
            return {n for e in elements for n in _names(e)}
        return _names(inner)
    return set()


_LOOKED_THROUGH = frozenset({"Optional", "Union", "Type", "type", "ClassVar", "Final", "Annotated"})
