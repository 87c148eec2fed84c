"""Whether a `.h` header is C or C++, judged from its own text and then its folder.

The `.h` suffix is shared by both languages: libfmt's and many C++ libraries' headers end in
`.h`, and parsing them with the C grammar loses every namespace, class and template. A
header is C++ when its text uses syntax that C has no meaning for (a `namespace` or `class`
block, a `template <`, an access label, `using` declarations, a scope `::`, or an include of a
standard header without a suffix, `<vector>`), or, when its text says neither, when its
folder holds C++ sources or headers (`.cpp`, `.hpp`, ...) and no `.c` file. Everything else
stays C. Comments say nothing, and nothing inside a conditional that names `__cplusplus`
counts (all its branches): a C header's `#ifdef __cplusplus` / `extern "C"` guard, or the
C++ overloads `math.h` and `pthread.h` add for C++ callers, are how C headers make
themselves usable from C++.

The judgement is a pure function of the bytes and the folder's listing; a folder's listing is
read once per modification time of the folder.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path, PurePath

from context.languages import Language, language_for_path, language_named

_CPP_SYNTAX = re.compile(
    rb"^[ \t]*(?:"
    rb"namespace(?:[ \t]+[A-Za-z_][\w:]*)?\s*\{"
    rb"|template\s*<"
    rb"|(?:class|struct)[ \t]+[A-Za-z_]\w*(?:[ \t]+final)?\s*:\s*(?:public|protected|private)\b"
    rb"|class[ \t]+[A-Za-z_]\w*(?:[ \t]+final)?\s*[{;]"
    rb"|(?:public|protected|private)[ \t]*:(?!:)"
    rb"|using[ \t]+(?:namespace[ \t]+)?[A-Za-z_][\w:]*\s*[=;]"
    rb"|#[ \t]*include[ \t]*<[a-z_]+>"
    rb")"
    rb"|\b(?:std|detail)::\w",
    re.MULTILINE,
)
"""Syntax that only C++ gives a meaning to, at a line's start (a scope `::` anywhere)."""
_CPP_SIBLING_SUFFIXES = frozenset(
    {".cpp", ".cc", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".h++", ".ipp", ".tpp"}
)
_HEADER_SUFFIX = ".h"
_COMMENT = re.compile(rb"/\*.*?\*/|//[^\n]*", re.DOTALL)
_DIRECTIVE = re.compile(rb"[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b")


def language_for_file(path: PurePath | str, data: bytes) -> Language | None:
    """The language of a file from its suffix, with a `.h` header's read from its text."""
    lang = language_for_path(path)
    if lang is None or PurePath(path).suffix.lower() != _HEADER_SUFFIX:
        return lang
    if is_cpp_header(data) or _is_cpp_folder(Path(path).parent):
        return language_named("cpp") or lang
    return lang


def is_cpp_header(data: bytes) -> bool:
    """True when a header's text uses syntax only C++ has (see the module docstring)."""
    # Comments may name C++ (`/* see std::vector */`) in a C header: they are no syntax.
    data = _COMMENT.sub(b" ", data)
    if b"__cplusplus" in data:
        data = _without_cplusplus_conditionals(data)
    return _CPP_SYNTAX.search(data) is not None


def _without_cplusplus_conditionals(data: bytes) -> bytes:
    """`data` without the lines of any `#if` block (all branches) that names `__cplusplus`."""
    kept: list[bytes] = []
    depth = 0
    """Conditional nesting inside the outermost skipped block; 0 when not skipping."""
    for line in data.splitlines(keepends=True):
        directive = _DIRECTIVE.match(line)
        keyword = directive.group(1) if directive else b""
        if depth:
            if keyword.startswith(b"if"):
                depth += 1
            elif keyword == b"endif":
                depth -= 1
            continue
        if keyword.startswith(b"if") and b"__cplusplus" in line:
            depth = 1
            continue
        kept.append(line)
    return b"".join(kept)


def _is_cpp_folder(folder: Path) -> bool:
    """True when `folder` holds C++ files and no C source, so its plain headers are C++."""
    try:
        mtime_ns = folder.stat().st_mtime_ns
    except OSError:
        return False
    return _folder_suffixes_say_cpp(str(folder), mtime_ns)


@lru_cache(maxsize=256)
def _folder_suffixes_say_cpp(folder: str, mtime_ns: int) -> bool:
    # The modification time is part of the key, so a folder whose entries change is re-read.
    del mtime_ns
    try:
        with os.scandir(folder) as entries:
            suffixes = {PurePath(entry.name).suffix.lower() for entry in entries}
    except OSError:
        return False
    return ".c" not in suffixes and not suffixes.isdisjoint(_CPP_SIBLING_SUFFIXES)
