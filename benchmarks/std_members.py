"""Member names that the Rust, Go and Python standard libraries' types define, from their source.

The recall oracle leaves out a member hole whose name a standard-library type defines too
(`self.reserve(64)` in `impl BufMut for Vec<u8>` is `Vec::reserve`, not the crate's
`BytesMut::reserve`; `req.URL` is `http.Request`'s): only a type checker could tell which
one is meant. A hand-written list misses most of them, so this reads the names from the
standard library's real source, Debian's `rust-src` (`library/core`, `alloc`, `std`) and
`golang-1.19-src` (`src/`, without tests, `internal`, `cmd`, `vendor` and `testdata`),
fetched with `apt-get download` and unpacked with `dpkg -x` into `.bench/stdsrc`, then parsed
with fillin's own definition extraction. A name counts when a caller outside the library can
reach it: in Rust a `pub` method, associated function or field, or any method of a trait;
in Go an exported method or field.

Python's come from the running interpreter's own standard library (`os.__file__`'s folder,
without `test`, `idlelib`, `tkinter`, `turtledemo`, `lib2to3` and `site-packages`): the public
members (no leading `_`) of every class its `.py` files define, parsed the same way
(`date.day`, `BufferedIOBase.flush`), and those of the classes its compiled modules define
(`_socket.socket.recv`, `sys.builtin_module_names` and `lib-dynload`, the test modules
left out), read by `dir()` in a child interpreter that imports only those; then the
attributes every function and class has (`__name__`, `__qualname__`, `__doc__`).

Guarantees: the names are computed once and kept in `.bench/recall/std-members-LANG.txt`
(for Python, per interpreter version); an empty set (with a note on stderr) when the source
cannot be fetched, so the oracle falls back to the hand list alone. Nothing touches the
network for Python.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from context.languages import language_named
from context.syntax import extract_definitions, parse

BENCH = Path(__file__).resolve().parents[1] / ".bench"
STDSRC = BENCH / "stdsrc"
_PACKAGES = {"rust": "rust-src", "go": "golang-1.19-src"}
_MEMBER_KINDS = frozenset({"method", "function", "field", "constant", "constructor"})
_GO_SKIPPED = frozenset({"internal", "cmd", "vendor", "testdata", "builtin"})
_PY_SKIPPED = frozenset(
    {"test", "tests", "idlelib", "tkinter", "turtledemo", "lib2to3", "site-packages"}
)
_PY_COMPILED_MEMBERS = """
import importlib, inspect, sys
names = set()
for module_name in sys.argv[1:]:
    try:
        module = importlib.import_module(module_name)
    except Exception:
        continue
    for value in vars(module).values():
        if inspect.isclass(value):
            names.update(n for n in dir(value) if not n.startswith("_"))
names.update(dir(type), dir(lambda: None))
print("\\n".join(sorted(names)))
"""
"""Run by a child interpreter over the compiled modules' names: what `dir()` says their
classes offer, since no source of theirs is on disk."""


def std_members(language: str) -> frozenset[str]:
    """The reachable member names of `language`'s standard library (Rust and Go; empty for
    others or when its source is unavailable)."""
    if language not in (*_PACKAGES, "python"):
        return frozenset()
    version = "-{}.{}".format(*sys.version_info[:2]) if language == "python" else ""
    cached = BENCH / "recall" / f"std-members-{language}{version}.txt"
    if cached.is_file():
        return frozenset(cached.read_text().split())
    if language == "python":
        names = _python_member_names()
    else:
        files = _source_files(language)
        if not files:
            return frozenset()
        names = _member_names(language, files)
    if not names:
        return frozenset()
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_text("\n".join(sorted(names)) + "\n")
    return frozenset(names)


def _source_files(language: str) -> list[Path]:
    roots = _roots(language)
    if not roots:
        try:
            _fetch(_PACKAGES[language])
        except (OSError, subprocess.SubprocessError) as exc:
            print(f"  std members of {language}: source not fetched: {exc}", file=sys.stderr)
            return []
        roots = _roots(language)
    if language == "rust":
        return sorted(p for root in roots for p in root.rglob("*.rs") if "/tests/" not in str(p))
    return sorted(
        p
        for root in roots
        for p in root.rglob("*.go")
        if not p.name.endswith("_test.go") and not _GO_SKIPPED & set(p.relative_to(root).parts[:-1])
    )


def _python_member_names() -> set[str]:
    """The public member names of the running interpreter's standard-library classes."""
    root = Path(os.__file__).parent
    files = sorted(
        p for p in root.rglob("*.py") if not _PY_SKIPPED & set(p.relative_to(root).parts[:-1])
    )
    names = {n for n in _member_names("python", files) if not n.startswith("_")}
    compiled = [
        *sys.builtin_module_names,
        *(p.name.split(".", 1)[0] for p in sorted((root / "lib-dynload").glob("*.so"))),
    ]
    compiled = [
        m for m in compiled if not m.startswith(("_test", "xx")) and m not in ("readline", "this")
    ]
    try:
        listed = subprocess.run(
            [sys.executable, "-I", "-c", _PY_COMPILED_MEMBERS, *compiled],
            check=True, capture_output=True, text=True, timeout=120,
        ).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"  std members of python: compiled modules not read: {exc}", file=sys.stderr)
        listed = ""
    return names | set(listed.split())


def _roots(language: str) -> list[Path]:
    if language == "rust":
        found = sorted(STDSRC.glob("usr/src/rustc-*/library"))
        return [found[-1] / name / "src" for name in ("core", "alloc", "std")] if found else []
    found = sorted(STDSRC.glob("usr/share/go-*/src"))
    return found[-1:]


def _fetch(package: str) -> None:
    folder = BENCH / "debs"
    folder.mkdir(parents=True, exist_ok=True)
    if not list(folder.glob(f"{package}_*.deb")):
        subprocess.run(
            ["apt-get", "download", package], cwd=folder, check=True, capture_output=True,
            timeout=600,
        )  # fmt: skip
    for deb in sorted(folder.glob(f"{package}_*.deb")):
        subprocess.run(["dpkg", "-x", str(deb), str(STDSRC)], check=True, timeout=600)


def _member_names(language: str, files: list[Path]) -> set[str]:
    lang = language_named(language)
    assert lang is not None
    names: set[str] = set()
    for path in files:
        source = path.read_bytes()
        definitions = extract_definitions(lang, parse(lang, source), source)
        traits = {d.name for d in definitions if d.kind in ("trait", "interface")}
        for d in definitions:
            if d.container is None or d.kind not in _MEMBER_KINDS:
                continue
            if language == "python":
                names.add(d.name)
            elif language == "go":
                if d.name[:1].isupper():
                    names.add(d.name)
            elif d.container in traits or d.signature.lstrip().startswith("pub"):
                names.add(d.name)
    return names
