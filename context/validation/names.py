"""What each language provides without any project: builtins, standard libraries, installed
packages.

Validation asks here whether a name or a module exists before it calls a suggestion's
reference unknown. Everything is read statically and cached:

- Python builtins and the standard library's module names come from the running
  interpreter (`builtins`, `sys.stdlib_module_names`); the members of a standard-library
  module come from the module fillin already loaded or from its source file, never from an
  import (`context.validation.stdlib_source`), so a repository's own `csv.py` cannot run. Installed
  packages are read from site-packages directories as file names and `*.dist-info`
  metadata, never imported.
- JavaScript and TypeScript globals and Node's built-in modules, Go's standard library
  test (a first path element without a dot), Rust's and Java's standard roots are fixed
  lists here.

Nothing in this module raises for an unknown language: it answers "not known".
"""

from __future__ import annotations

import builtins
import re
import sysconfig
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from context.validation.stdlib_source import is_stdlib_name, stdlib_identifiers, stdlib_members


def _words(text: str) -> frozenset[str]:
    """The whitespace-separated words of `text`."""
    return frozenset(text.split())


PYTHON_BUILTINS: frozenset[str] = frozenset(dir(builtins)) | {
    "__file__",
    "__name__",
    "__doc__",
    "__spec__",
    "__loader__",
    "__package__",
    "__builtins__",
    "__path__",
    "__annotations__",
    "__dict__",
    "__class__",
    "__module__",
    "__qualname__",
    "self",
    "cls",
    "reveal_type",
}

_BUILTIN_TYPES: tuple[type, ...] = (
    *(str, bytes, bytearray, list, dict, set, frozenset, tuple, int, float, complex),
    *(bool, object, type, range, slice, memoryview, property, BaseException, staticmethod),
)
BUILTIN_TYPE_ATTRIBUTES: frozenset[str] = frozenset(
    name for cls in _BUILTIN_TYPES for name in dir(cls)
) | {"__wrapped__", "__func__", "__self__", "__code__", "__defaults__", "__kwdefaults__"}
"""Attributes of the builtin types: any value may be one of them."""

# Standard-library modules whose classes' attributes count as known in every file: their
# objects reach code that never imports them (a `datetime`, a `Path`, a file, a match).
COMMON_STDLIB_MODULES = (
    "pathlib",
    "datetime",
    "io",
    "re",
    "collections",
    "logging",
    "threading",
    "asyncio",
    "subprocess",
    "socket",
    "json",
    "enum",
    "decimal",
    "uuid",
    "argparse",
    "typing",
    "types",
    "inspect",
    "functools",
    "string",
    "urllib.parse",
    "email.message",
    "http.client",
    "tempfile",
    "zipfile",
    "tarfile",
    "csv",
    "sqlite3",
    "queue",
    "concurrent.futures",
    "contextlib",
    "weakref",
    "array",
    "hashlib",
    "ssl",
    "selectors",
)

JAVASCRIPT_GLOBALS: frozenset[str] = _words(
    """
    undefined NaN Infinity globalThis window self document navigator location history
    localStorage sessionStorage console process require module exports __dirname __filename
    Buffer global setTimeout clearTimeout setInterval clearInterval setImmediate clearImmediate
    queueMicrotask structuredClone fetch Request Response Headers URL URLSearchParams
    AbortController AbortSignal Blob File FileReader FormData TextEncoder TextDecoder
    WebSocket Worker EventTarget Event CustomEvent crypto performance atob btoa alert confirm
    prompt requestAnimationFrame cancelAnimationFrame getComputedStyle HTMLElement Element
    Node NodeList MutationObserver IntersectionObserver ResizeObserver XMLHttpRequest
    Object Function Array Number parseFloat parseInt Boolean String Symbol Date Promise
    RegExp Error AggregateError EvalError RangeError ReferenceError SyntaxError TypeError
    URIError JSON Math Intl ArrayBuffer SharedArrayBuffer DataView Atomics Int8Array
    Uint8Array Uint8ClampedArray Int16Array Uint16Array Int32Array Uint32Array Float32Array
    Float64Array BigInt64Array BigUint64Array BigInt Map Set WeakMap WeakSet WeakRef
    FinalizationRegistry Proxy Reflect isFinite isNaN encodeURI encodeURIComponent decodeURI
    decodeURIComponent escape unescape eval arguments this super new target import
    jest describe it test expect beforeEach afterEach beforeAll afterAll vi
    Record Partial Required Readonly Pick Omit Exclude Extract NonNullable ReturnType
    Parameters InstanceType Awaited Uppercase Lowercase Capitalize Uncapitalize
    PromiseLike ArrayLike Iterable Iterator AsyncIterable AsyncIterator Generator
    ReadonlyArray PropertyKey any unknown never void object string number boolean symbol
    bigint React JSX NodeJS
    """
)

NODE_BUILTIN_MODULES: frozenset[str] = _words(
    """
    assert async_hooks buffer child_process cluster console constants crypto dgram
    diagnostics_channel dns domain events fs http http2 https inspector module net os path
    perf_hooks process punycode querystring readline repl stream string_decoder sys timers
    tls trace_events tty url util v8 vm wasi worker_threads zlib test sqlite
    """
)

RUST_STANDARD_ROOTS: frozenset[str] = frozenset(
    {"std", "core", "alloc", "proc_macro", "test", "crate", "self", "super", "Self"}
)

JAVA_STANDARD_PREFIXES: tuple[str, ...] = (
    "java.",
    "javax.",
    "jdk.",
    "sun.",
    "com.sun.",
    "org.w3c.",
    "org.xml.",
    "org.ietf.",
    "org.omg.",
)


def is_python_stdlib(module: str) -> bool:
    """Whether the top package of `module` (`os` of `os.path`) is in Python's standard library."""
    return is_stdlib_name(module)


def python_module_members(module: str) -> frozenset[str] | None:
    """The names a standard-library module defines, or None when they cannot be known
    (read from the loaded module or its source, never imported:
    `context.validation.stdlib_source`)."""
    return stdlib_members(module)


@cache
def stdlib_class_attributes(module: str) -> frozenset[str]:
    """The names of a standard-library module and the attributes of every class in it, plus
    those of the common modules (`COMMON_STDLIB_MODULES`), whose objects go everywhere."""
    return _class_attributes(module) | _common_class_attributes()


@cache
def _common_class_attributes() -> frozenset[str]:
    names: set[str] = set()
    for module in COMMON_STDLIB_MODULES:
        names |= _class_attributes(module)
    return frozenset(names)


@cache
def _class_attributes(module: str) -> frozenset[str]:
    return stdlib_identifiers(module) if is_stdlib_name(module) else frozenset()


MAX_PACKAGE_FILES = 3000
"""A package with more source files than this is not read (its names count as unknown)."""


def package_identifiers(top_level: str, directories: Iterable[Path]) -> frozenset[str] | None:
    """Every identifier in an installed package's Python sources (read, never imported), or
    None when the package is not found as source or is too large to read."""
    return _package_identifiers(top_level, tuple(directories))


@cache
def _package_identifiers(top_level: str, directories: tuple[Path, ...]) -> frozenset[str] | None:
    for directory in directories:
        package = directory / top_level
        if package.is_dir():
            files = list(package.rglob("*.py")) + list(package.rglob("*.pyi"))
            if len(files) > MAX_PACKAGE_FILES:
                return None
            names: set[str] = set()
            for path in files:
                try:
                    names.update(_WORD.findall(path.read_text(encoding="utf-8", errors="replace")))
                except OSError:
                    continue
            return frozenset(names)
        module = directory / f"{top_level}.py"
        if module.is_file():
            return frozenset(_WORD.findall(module.read_text(encoding="utf-8", errors="replace")))
    return None


_WORD = re.compile(r"[A-Za-z_]\w*")


@cache
def site_packages_dirs(root: Path | None = None) -> tuple[Path, ...]:
    """The running interpreter's site-packages, and those of a virtualenv inside `root`."""
    found: list[Path] = []
    for key in ("purelib", "platlib"):
        path = Path(sysconfig.get_paths()[key])
        if path not in found:
            found.append(path)
    if root is not None:
        for venv in (".venv", "venv", "env", ".env"):
            found.extend(sorted((root / venv / "lib").glob("python3*/site-packages")))
    return tuple(p for p in found if p.is_dir())


def installed_python_modules(directories: Iterable[Path]) -> frozenset[str]:
    """Top-level importable names in site-packages directories, read from file names only."""
    return _installed_python_modules(tuple(directories))


@cache
def _installed_python_modules(directories: tuple[Path, ...]) -> frozenset[str]:
    names: set[str] = set()
    for directory in directories:
        names.update(_module_names_in(directory))
        for info in directory.glob("*.dist-info"):
            top_level = info / "top_level.txt"
            if top_level.is_file():
                names.update(line.strip() for line in _read_lines(top_level) if line.strip())
            names.add(_normalize_distribution(info.name.split("-", 1)[0]))
    return frozenset(names)


def _module_names_in(directory: Path) -> set[str]:
    """Importable module and package names directly inside `directory`."""
    names: set[str] = set()
    try:
        entries = list(directory.iterdir())
    except OSError:
        return names
    for entry in entries:
        name = entry.name
        if name.endswith(".py"):
            names.add(name[:-3])
        elif name.endswith((".so", ".pyd")):
            names.add(name.split(".", 1)[0])
        elif entry.is_dir() and name.isidentifier():
            names.add(name)
    return names


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _normalize_distribution(name: str) -> str:
    """A distribution name as an import name would spell it: `Foo-Bar` -> `foo_bar`."""
    return name.lower().replace("-", "_").replace(".", "_")


def is_go_stdlib(path: str) -> bool:
    """Whether a Go import path is in the standard library (its first element has no dot)."""
    return "." not in path.split("/", 1)[0]


def is_java_stdlib(name: str) -> bool:
    """Whether a Java import (`java.util.List`) belongs to the JDK."""
    return name.startswith(JAVA_STANDARD_PREFIXES)


def is_node_builtin(module: str) -> bool:
    """Whether a JavaScript module specifier names a Node built-in (`fs`, `node:path`)."""
    if module.startswith("node:"):
        return True
    return module.split("/", 1)[0] in NODE_BUILTIN_MODULES
