"""Whether a `.h` header is indexed as C or C++: its text first, then its folder's files.

Headers are real files on disk, indexed by a real `Workspace`; the store's file rows say
which grammar read each one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from context.header_language import is_cpp_header, language_for_file
from context.workspace import Workspace

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "lsp" / "cppheaders"


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "is_cpp"),
    [
        ("namespace fmt {\nint x;\n}\n", True),
        ("template <typename T>\nT twice(T t);\n", True),
        ("class buffer;\n", True),
        ("struct derived : public base {};\n", True),
        ("#include <vector>\nint f(void);\n", True),
        ("using size_type = unsigned long;\n", True),
        ("inline int f() { return std::max(1, 2); }\n", True),
        ("#include <stdio.h>\nstruct point { int x, y; };\nint dot(struct point a);\n", False),
        # The guard that makes a C header usable from C++, and C++ overloads kept for C++
        # callers (as `math.h` does), are no evidence that the header itself is C++.
        (
            '#ifdef __cplusplus\nextern "C" {\n#endif\nint f(void);\n'
            "#ifdef __cplusplus\n}\n#endif\n",
            False,
        ),
        (
            "#if defined(__cplusplus) && 1\n#  if 2\ntemplate <class T> T g(T);\n#  endif\n"
            "#else\nclass x;\n#endif\nint plain(void);\n",
            False,
        ),
        ("/* private: not a label in a comment */\nint private_count;\n", False),
        ("/* Like std::vector, but in C.\n   template <T> would be C++. */\nint v;\n", False),
        ("// class buffer; in the C++ binding\nstruct buffer;\n", False),
    ],
)
def test_a_headers_text_says_whether_it_is_cpp(text: str, is_cpp: bool) -> None:
    assert is_cpp_header(text.encode()) is is_cpp


def test_a_plain_header_follows_its_folders_sources(tmp_path: Path) -> None:
    plain = "struct point { int x, y; };\n"
    _write(tmp_path, "cpp/point.h", plain)
    _write(tmp_path, "cpp/point.cpp", '#include "point.h"\n')
    _write(tmp_path, "c/point.h", plain)
    _write(tmp_path, "c/point.c", '#include "point.h"\n')
    _write(tmp_path, "mixed/point.h", plain)
    _write(tmp_path, "mixed/a.c", "")
    _write(tmp_path, "mixed/b.cpp", "")

    def name(rel: str) -> str | None:
        lang = language_for_file(tmp_path / rel, plain.encode())
        return lang.name if lang else None

    assert name("cpp/point.h") == "cpp"
    assert name("c/point.h") == "c"
    # A folder with a C source keeps its plain headers C, whatever else it holds.
    assert name("mixed/point.h") == "c"
    # Other suffixes are never re-judged.
    assert name("c/point.c") == "c"
    assert name("cpp/point.cpp") == "cpp"


def test_the_index_reads_a_cpp_header_with_the_cpp_grammar(
    open_workspace: Callable[..., Workspace],
) -> None:
    workspace = open_workspace(FIXTURE)
    workspace.refresh()

    languages = {f.rel_path: f.language for f in workspace.store.files()}
    assert languages["include/text/style.h"] == "cpp"
    assert languages["include/text/buffer.h"] == "cpp"
    assert languages["include/plain/bits.h"] == "c"
    # The C++ grammar sees the class and its methods, which C's reads as errors.
    members = {row.name for row in workspace.store.definitions_in_file("include/text/style.h")}
    assert {"text_style", "has_foreground", "with_emphasis"} <= members
