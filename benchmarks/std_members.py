"""Member names that the Rust and Go standard libraries' own types define, read from their source.

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

Guarantees: the names are computed once and kept in `.bench/recall/std-members-LANG.txt`;
an empty set (with a note on stderr) when the source cannot be fetched, so the oracle falls
back to the hand list alone.
"""

from __future__ import annotations

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


def std_members(language: str) -> frozenset[str]:
    """The reachable member names of `language`'s standard library (Rust and Go; empty for
    others or when its source is unavailable)."""
    if language not in _PACKAGES:
        return frozenset()
    cached = BENCH / "recall" / f"std-members-{language}.txt"
    if cached.is_file():
        return frozenset(cached.read_text().split())
    files = _source_files(language)
    if not files:
        return frozenset()
    names = _member_names(language, files)
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
            if language == "go":
                if d.name[:1].isupper():
                    names.add(d.name)
            elif d.container in traits or d.signature.lstrip().startswith("pub"):
                names.add(d.name)
    return names
