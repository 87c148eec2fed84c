"""C and C++ decorating macros blanked before parsing (`context.c_macros`), through the real
tree-sitter parsers and the index's own extraction."""

from __future__ import annotations

from context.c_macros import parse_source
from context.document import TextChange
from context.languages import language_named
from context.syntax import extract_definitions, parse, reparse

HEADER = """#include "export.h"

GIT_BEGIN_DECL

/** Open a repository. */
GIT_EXTERN(int) git_repository_open(git_repository **out, const char *path);

SODIUM_EXPORT
size_t crypto_box_seedbytes(void);

JSON_HEDLEY_NON_NULL(1) static int checked(const char *s);

typedef enum {
	GIT_OPT_ONE,
	GIT_OPT_LAST
} git_opt_t;

GIT_END_DECL
"""


def _definitions(text: str, language: str = "c") -> dict[str, str]:
    lang = language_named(language)
    assert lang is not None
    source = text.encode()
    return {d.name: d.signature for d in extract_definitions(lang, parse(lang, source), source)}


def test_declarations_behind_macros_are_named_and_read_as_written() -> None:
    found = _definitions(HEADER)

    assert found["git_repository_open"] == (
        "GIT_EXTERN(int) git_repository_open(git_repository **out, const char *path);"
    )
    assert found["crypto_box_seedbytes"] == "size_t crypto_box_seedbytes(void);"
    assert found["checked"].endswith("static int checked(const char *s);")
    assert "GIT_EXTERN" not in found and "SODIUM_EXPORT" not in found


def test_an_enums_last_constant_on_its_own_line_is_kept() -> None:
    found = _definitions(HEADER)

    assert {"GIT_OPT_ONE", "GIT_OPT_LAST", "git_opt_t"} <= set(found)


def test_the_rewrite_keeps_every_byte_offset_and_line_break() -> None:
    source = HEADER.encode()

    rewritten = parse_source(source)

    assert len(rewritten) == len(source)
    assert rewritten.count(b"\n") == source.count(b"\n")
    assert b"GIT_BEGIN_DECL" not in rewritten and b"SODIUM_EXPORT" not in rewritten


def test_an_edit_that_completes_a_macro_reparses_as_a_full_parse_would() -> None:
    lang = language_named("c")
    assert lang is not None
    old_text = HEADER.replace("GIT_EXTERN(int)", "GIT_EXTERN(int")
    at = old_text.index("GIT_EXTERN(int") + len("GIT_EXTERN(int")

    text, tree = reparse(lang, parse(lang, old_text), old_text, [TextChange(at, at, ")")])

    assert text == HEADER
    assert str(tree.root_node) == str(parse(lang, HEADER).root_node)


def test_cpp_namespace_macros_leave_the_class_inside_them() -> None:
    found = _definitions(
        "#include <string>\nLIB_NAMESPACE_BEGIN\nclass basic_json {\n public:\n"
        "  JSON_HEDLEY_WARN_UNUSED_RESULT\n  static basic_json parse(const char *s);\n};\n"
        "LIB_NAMESPACE_END\n",
        "cpp",
    )

    assert "basic_json" in found and "parse" in found


def test_an_edit_that_ends_the_line_before_a_lone_macro_reparses_as_a_full_parse_would() -> None:
    lang = language_named("c")
    assert lang is not None
    old_text = HEADER.replace("size_t crypto_box_seedbytes(void);", "int before(void)", 1)
    old_text = old_text.replace("GIT_END_DECL", "int before(void)\nSODIUM_EXPORT\nint after(void);")
    at = old_text.rindex("int before(void)") + len("int before(void)")

    text, tree = reparse(lang, parse(lang, old_text), old_text, [TextChange(at, at, ";")])

    assert str(tree.root_node) == str(parse(lang, text).root_node)


def test_a_lone_attribute_call_after_a_doc_comment_leaves_the_method_in_its_class() -> None:
    lang = language_named("cpp")
    assert lang is not None
    source = (
        b"class lexer {\n  public:\n    int scan();\n\n    /*!\n    @param[in] text  the text\n"
        b"    */\n    JSON_HEDLEY_NON_NULL(2)\n    int scan_literal(const char* text);\n\n"
        b"    int get_position() const noexcept;\n};\n"
    )

    found = extract_definitions(lang, parse(lang, source), source)

    assert {d.name: d.container for d in found if d.kind == "method"} == {
        "scan": "lexer",
        "scan_literal": "lexer",
        "get_position": "lexer",
    }
