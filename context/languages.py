"""The languages fillin understands: one registry entry per language.

An entry says how to recognise a file (extensions, LSP language ids), where its tree-sitter
grammar comes from (an individual grammar wheel, loaded lazily and cached), which queries find
its definitions and imports, how it writes comments and how its blocks are delimited. Adding a
language is adding one entry to `LANGUAGES`.

Definitions come from the `queries/tags.scm` that each grammar wheel ships (TypeScript's is
JavaScript's with TypeScript's appended, as the tags tooling does) plus fillin's own additions
in `context/queries/<name>-tags.scm`. Only the patterns that capture `@definition.*` are kept
for indexing, so references never cost time. Imports come from
`context/queries/<name>-imports.scm`, whose patterns capture whole import statements as
`@import`; `context.syntax` decodes them in the style the entry names.

Grammars, queries and parsers are created on first use. Queries are immutable and shared by
all threads; a `tree_sitter.Parser` is not thread-safe, so `parser_for` keeps one per thread.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path, PurePath
from typing import Literal

import tree_sitter as ts

ImportStyle = Literal["python", "javascript", "go", "rust", "java", "c"]


@dataclass(frozen=True)
class Language:
    """One supported language and everything fillin needs to know about its syntax."""

    name: str
    """A short stable name: `python`, `typescript`, `tsx`, `cpp`, ..."""
    language_ids: tuple[str, ...]
    """The LSP `languageId`s that editors send for it."""
    extensions: tuple[str, ...]
    """File name suffixes, lower case with the dot (`.py`)."""
    grammar_module: str
    """The grammar wheel's module, e.g. `tree_sitter_python`."""
    grammar_function: str
    """The function of `grammar_module` that returns the language pointer."""
    tags_from: tuple[str, ...]
    """Grammar modules whose shipped `queries/tags.scm` are concatenated, in order."""
    import_style: ImportStyle
    """How `context.syntax` decodes the statements that the imports query captures."""
    line_comment: str | None
    block_comment: tuple[str, str] | None
    is_indent_based: bool
    """True when indentation, not braces, delimits blocks (Python)."""
    function_types: frozenset[str]
    """Node types of function and method definitions (their bodies are local scopes)."""
    class_types: frozenset[str]
    """Node types of class-like definitions (class, struct, interface, trait, impl, ...)."""
    body_types: frozenset[str]
    """Node types of the bodies of functions, classes and blocks."""
    containers: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)
    """Node type of a definition that contains members -> the field holding its name."""
    docstring_in_body: bool = False
    """True when documentation is the body's first string (Python), not a leading comment."""

    def __str__(self) -> str:
        return self.name

    @property
    def query_name(self) -> str:
        """The prefix of this language's own query files in `context/queries/`."""
        return "typescript" if self.name == "tsx" else self.name


_C_LIKE_BODIES = frozenset({"compound_statement", "field_declaration_list", "declaration_list"})


def _javascript_family(
    name: str,
    language_ids: tuple[str, ...],
    extensions: tuple[str, ...],
    grammar_module: str,
    grammar_function: str,
    tags_from: tuple[str, ...],
) -> Language:
    """An entry for JavaScript or one of its typed dialects, which share their syntax."""
    return Language(
        name=name,
        language_ids=language_ids,
        extensions=extensions,
        grammar_module=grammar_module,
        grammar_function=grammar_function,
        tags_from=tags_from,
        import_style="javascript",
        line_comment="//",
        block_comment=("/*", "*/"),
        is_indent_based=False,
        function_types=frozenset(
            {
                "function_declaration",
                "function_expression",
                "arrow_function",
                "method_definition",
                "generator_function_declaration",
                "generator_function",
            }
        ),
        class_types=frozenset(
            {"class_declaration", "abstract_class_declaration", "class", "interface_declaration"}
        ),
        body_types=frozenset({"statement_block", "class_body", "interface_body", "object_type"}),
        containers={
            "class_declaration": "name",
            "abstract_class_declaration": "name",
            "class": "name",
            "interface_declaration": "name",
            "enum_declaration": "name",
            "module": "name",
            "internal_module": "name",
        },
    )


_TYPESCRIPT_TAGS = ("tree_sitter_javascript", "tree_sitter_typescript")

LANGUAGES: tuple[Language, ...] = (
    Language(
        name="python",
        language_ids=("python",),
        extensions=(".py", ".pyi"),
        grammar_module="tree_sitter_python",
        grammar_function="language",
        tags_from=("tree_sitter_python",),
        import_style="python",
        line_comment="#",
        block_comment=None,
        is_indent_based=True,
        function_types=frozenset({"function_definition", "lambda"}),
        class_types=frozenset({"class_definition"}),
        body_types=frozenset({"block"}),
        containers={"class_definition": "name"},
        docstring_in_body=True,
    ),
    _javascript_family(
        "javascript",
        ("javascript", "javascriptreact"),
        (".js", ".jsx", ".mjs", ".cjs"),
        "tree_sitter_javascript",
        "language",
        ("tree_sitter_javascript",),
    ),
    _javascript_family(
        "typescript",
        ("typescript",),
        (".ts", ".mts", ".cts"),
        "tree_sitter_typescript",
        "language_typescript",
        _TYPESCRIPT_TAGS,
    ),
    _javascript_family(
        "tsx",
        ("typescriptreact",),
        (".tsx",),
        "tree_sitter_typescript",
        "language_tsx",
        _TYPESCRIPT_TAGS,
    ),
    Language(
        name="go",
        language_ids=("go",),
        extensions=(".go",),
        grammar_module="tree_sitter_go",
        grammar_function="language",
        tags_from=("tree_sitter_go",),
        import_style="go",
        line_comment="//",
        block_comment=("/*", "*/"),
        is_indent_based=False,
        function_types=frozenset({"function_declaration", "method_declaration", "func_literal"}),
        class_types=frozenset({"type_spec"}),
        body_types=frozenset({"block", "field_declaration_list", "interface_type"}),
        containers={"type_spec": "name", "method_declaration": "receiver"},
    ),
    Language(
        name="rust",
        language_ids=("rust",),
        extensions=(".rs",),
        grammar_module="tree_sitter_rust",
        grammar_function="language",
        tags_from=("tree_sitter_rust",),
        import_style="rust",
        line_comment="//",
        block_comment=("/*", "*/"),
        is_indent_based=False,
        function_types=frozenset({"function_item", "closure_expression"}),
        class_types=frozenset(
            {"struct_item", "enum_item", "union_item", "trait_item", "impl_item"}
        ),
        body_types=frozenset(
            {"block", "declaration_list", "field_declaration_list", "enum_variant_list"}
        ),
        containers={
            "impl_item": "type",
            "trait_item": "name",
            "struct_item": "name",
            "enum_item": "name",
            "union_item": "name",
            "mod_item": "name",
        },
    ),
    Language(
        name="java",
        language_ids=("java",),
        extensions=(".java",),
        grammar_module="tree_sitter_java",
        grammar_function="language",
        tags_from=("tree_sitter_java",),
        import_style="java",
        line_comment="//",
        block_comment=("/*", "*/"),
        is_indent_based=False,
        function_types=frozenset(
            {"method_declaration", "constructor_declaration", "lambda_expression"}
        ),
        class_types=frozenset(
            {
                "class_declaration",
                "interface_declaration",
                "enum_declaration",
                "record_declaration",
                "annotation_type_declaration",
            }
        ),
        body_types=frozenset(
            {"block", "class_body", "interface_body", "enum_body", "constructor_body"}
        ),
        containers={
            "class_declaration": "name",
            "interface_declaration": "name",
            "enum_declaration": "name",
            "record_declaration": "name",
            "annotation_type_declaration": "name",
        },
    ),
    Language(
        name="c",
        language_ids=("c",),
        extensions=(".c", ".h"),
        grammar_module="tree_sitter_c",
        grammar_function="language",
        tags_from=("tree_sitter_c",),
        import_style="c",
        line_comment="//",
        block_comment=("/*", "*/"),
        is_indent_based=False,
        function_types=frozenset({"function_definition"}),
        class_types=frozenset({"struct_specifier", "union_specifier", "enum_specifier"}),
        body_types=_C_LIKE_BODIES | {"enumerator_list"},
        containers={"struct_specifier": "name", "union_specifier": "name"},
    ),
    Language(
        name="cpp",
        language_ids=("cpp", "cuda-cpp"),
        extensions=(".cpp", ".cc", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".h++", ".ipp"),
        grammar_module="tree_sitter_cpp",
        grammar_function="language",
        tags_from=("tree_sitter_cpp",),
        import_style="c",
        line_comment="//",
        block_comment=("/*", "*/"),
        is_indent_based=False,
        function_types=frozenset({"function_definition", "lambda_expression"}),
        class_types=frozenset(
            {"class_specifier", "struct_specifier", "union_specifier", "enum_specifier"}
        ),
        body_types=_C_LIKE_BODIES | {"enumerator_list"},
        containers={
            "class_specifier": "name",
            "struct_specifier": "name",
            "union_specifier": "name",
        },
    ),
)

_BY_EXTENSION: dict[str, Language] = {ext: lang for lang in LANGUAGES for ext in lang.extensions}
_BY_ID: dict[str, Language] = {lid: lang for lang in LANGUAGES for lid in lang.language_ids}
_BY_NAME: dict[str, Language] = {lang.name: lang for lang in LANGUAGES}
_QUERIES = Path(__file__).resolve().parent / "queries"


def language_for_path(path: PurePath | str) -> Language | None:
    """The language of a file judged by its extension, or None when fillin does not know it."""
    suffix = PurePath(path).suffix.lower()
    return _BY_EXTENSION.get(suffix) if suffix else None


def language_for_id(language_id: str) -> Language | None:
    """The language of an LSP `languageId` (`python`, `typescriptreact`, ...), or None."""
    return _BY_ID.get(language_id) or _BY_NAME.get(language_id)


def language_named(name: str) -> Language | None:
    """The language whose `Language.name` is `name`, as stored in the index, or None."""
    return _BY_NAME.get(name)


def language_for_document(path: Path | None, language_id: str) -> Language | None:
    """The language of an open document: its LSP id first, then its path's extension."""
    lang = language_for_id(language_id) if language_id else None
    if lang is None and path is not None:
        lang = language_for_path(path)
    return lang


@cache
def grammar(lang: Language) -> ts.Language:
    """The tree-sitter grammar of `lang`, loaded from its wheel on first use."""
    module = importlib.import_module(lang.grammar_module)
    loader: Callable[[], object] = getattr(module, lang.grammar_function)
    return ts.Language(loader())


_local = threading.local()


def parser_for(lang: Language) -> ts.Parser:
    """A parser for `lang` owned by the calling thread (tree-sitter parsers are not shared)."""
    parsers: dict[str, ts.Parser] | None = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = _local.parsers = {}
    parser = parsers.get(lang.name)
    if parser is None:
        parser = parsers[lang.name] = ts.Parser(grammar(lang))
    return parser


@cache
def tags_source(lang: Language) -> str:
    """The full tags query text: the shipped tags.scm files, then fillin's additions (the
    language family's, then the language's own)."""
    parts = [
        (resources.files(module) / "queries" / "tags.scm").read_text(encoding="utf-8")
        for module in lang.tags_from
    ]
    # A family of dialects (JavaScript, TypeScript, TSX) shares `<import style>-family-tags.scm`.
    for own in (
        _QUERIES / f"{lang.import_style}-family-tags.scm",
        _QUERIES / f"{lang.query_name}-tags.scm",
    ):
        if own.is_file():
            parts.append(own.read_text(encoding="utf-8"))
    return "\n".join(parts)


@cache
def definitions_query(lang: Language) -> ts.Query:
    """The patterns of the tags query that capture `@definition.*`, and nothing else."""
    return ts.Query(grammar(lang), _definition_patterns(lang))


@cache
def _definition_patterns(lang: Language) -> str:
    """The tags query's patterns that capture `@definition.*`, as query text."""
    return "\n".join(p for p in split_patterns(tags_source(lang)) if "@definition." in p)


def split_patterns(source: str) -> list[str]:
    """The top-level patterns of query text, each with its trailing captures and predicates.

    A scanner rather than a compiled query's pattern offsets, so that finding the
    definition patterns costs no extra query compilation (tens of milliseconds a language,
    paid again in every worker process). Strings and `;` comments may hold parentheses.
    """
    patterns: list[str] = []
    depth = 0
    start = None
    i = 0
    n = len(source)
    while i < n:
        char = source[i]
        if char == ";":
            i = source.find("\n", i)
            if i == -1:
                break
        elif char == '"':
            i += 1
            while i < n and source[i] != '"':
                i += 2 if source[i] == "\\" else 1
        elif char in "([":
            if depth == 0:
                if start is not None:
                    patterns.append(source[start:i].strip())
                start = i
            depth += 1
        elif char in ")]":
            depth -= 1
        i += 1
    if start is not None:
        patterns.append(source[start:].strip())
    return patterns


@cache
def _imports_source(lang: Language) -> str:
    return (_QUERIES / f"{lang.query_name}-imports.scm").read_text(encoding="utf-8")


@cache
def imports_query(lang: Language) -> ts.Query:
    """The query whose `@import` captures are the import statements of `lang`."""
    return ts.Query(grammar(lang), _imports_source(lang))


@cache
def index_query(lang: Language) -> ts.Query:
    """Definitions and imports in one query, so indexing walks each tree once."""
    return ts.Query(grammar(lang), _definition_patterns(lang) + "\n" + _imports_source(lang))
