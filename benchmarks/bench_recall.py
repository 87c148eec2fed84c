"""Definition recall through `fillin serve`, per language, beside the code on main before it.

What an editor meets: a real `fillin serve` over stdio, driven by a pygls client (the one
pytest-lsp builds on) as an editor drives it: the workspace folder is indexed in the
background (the benchmark waits for its work-done progress to end), each hole is opened with
`textDocument/didOpen`, and `fillin/context` returns the prompt the completion would send,
with default settings and a 2,048-token budget.

Holes, as in issue 12: the cursor sits before the first cross-file name of a line and the
rest of the line is removed; the hole is recalled when the prompt holds the defining header
(the signature line, runs of blanks counted as one) of every cross-file name in the removed
text. A cross-file name is an identifier defined in exactly one place of the tree, in
another file, and either reached as a member (`x.name`, `pkg.Name`, `module::name`, but not
a member of an outside package's module: `decimal.Decimal`) or, unqualified, imported by
name by the file from a file of the tree (a namespace import, `import * as schemas`, binds a
module, not a definition; for Go: defined in another file of the same package folder; for C
and C++: in any other file).
Names defined more than once are left out of the oracle: which one is meant would need a
type checker; so are member names that the standard library's types define too
(`STD_MEMBERS`: `out.push(c)` may be a `String`'s; for Rust, Go and Python the names are
read from the standard library's own source, `benchmarks.std_members`: `dt.day` may be a
`datetime`'s), unless, in Python, the receiver's own code says it is one of the tree's
classes with that member (`self.logger` in a subclass of the class defining `logger`, a
parameter `msg: Message`: `benchmarks.py_receivers`). An unqualified name is never
a field (a Go test table's `[]struct{ url string }` is no package-level `url`) nor a name
the file imports from an outside package (Go's `url.Parse` is `net/url`), and in Rust a
method call (`visitor.next_key()`) is never a field's; in Java no package segment of a
qualified name (`java.util.logging.Level`) is a member, in C++ no name of `std::`. A hole
is a member-access hole when
its first cross-file name follows `.`, `::` or (in C and C++) `->` (not a spread's `...`
nor a Rust range's `..`). Comment lines, Java and Go package declarations (`package
java.util.logging;` names no class `logging`), every line of a block comment and the lines
of a multi-line string after its first (docstring prose), as tree-sitter parses the file,
hold no holes.

After each hole's request one more character is typed (`textDocument/didChange`) and
`fillin/context` is asked again: its round trip is "the next keystroke" latency.

Baseline, same run: the code on main before this branch's change (the merge base of HEAD and
`main`), or the commit given with `--baseline`, unpacked with `git archive` into
`.bench/recall/baseline-src` and served the same way.

Corpora: real packages that fillin's tests and other benchmarks do not use, fetched with
the registries' own clients into `.bench/`: PyPI sdists (`pip download`), npm tarballs
(`npm pack`), Debian's Go and Rust source packages (`apt-get download` of
`golang-github-*-dev` and `librust-*-dev`, unpacked with `dpkg -x`); for Java the JDK's own
sources (`openjdk-17-source`: `java.net.http`, `java.logging`, `java.sql`, `jdk.httpserver`,
`java.prefs`; Maven Central is not reachable here), for C and C++ Debian's header packages
(`libsodium-dev`, `libglm-dev`, `libgit2-dev`, `nlohmann-json3-dev`, `libxml2-dev`,
`libfmt-dev`, `libcli11-dev`: the libraries' `.c`/`.cpp` files come only in source
packages, which need deb-src, not configured here; fmt's headers end in `.h`, which fillin
reads as C++ from their text, `context.header_language`). A Python package is opened as its checkout
holds it, in a folder of its own name (`py-flask/flask/`). Each corpus is marked `tune`
(looked at while building) or `held-out` (only measured); the totals are given for both.
The held-out corpora are renewed for each measurement that closes an issue: the ones
measured last time become `tune`, since the work after them looked at their misses.

Usage: `python -m benchmarks.bench_recall [--quick] [--holes N] [--only LABEL]
[--baseline REF] [--misses]`.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import random
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from benchmarks.py_receivers import FileReceivers, TreeClasses
from benchmarks.std_members import std_members
from context.index.store import IndexStore, SymbolRow
from context.languages import language_named
from context.retrieval.focus import KEYWORDS
from context.settings import IndexSettings
from context.syntax import parse
from context.workspace import Workspace

REPO_ROOT = Path(__file__).resolve().parents[1]
BENCH = REPO_ROOT / ".bench"
WORK = BENCH / "recall"
BUDGET = 2048
DEBROOT = BENCH / "debroot"


@dataclass(frozen=True)
class Corpus:
    """One real package's source tree."""

    label: str
    language: str
    role: str
    """`tune` or `held-out`."""
    fetch: tuple[str, str]
    """(registry, package): `pypi`, `npm`, `deb-go` or `deb-rust`, and the package's name."""
    subdir: str = ""
    """The tree's folder inside the unpacked package."""


CORPORA = (
    Corpus("py:click", "python", "tune", ("pypi", "click"), "src"),
    Corpus("py:starlette", "python", "tune", ("pypi", "starlette")),
    Corpus("py:httpcore", "python", "tune", ("pypi", "httpcore"), "httpcore"),
    Corpus("py:tomlkit", "python", "tune", ("pypi", "tomlkit")),
    Corpus("py:marshmallow", "python", "tune", ("pypi", "marshmallow"), "src"),
    Corpus("py:h11", "python", "tune", ("pypi", "h11")),
    Corpus("py:jinja2", "python", "tune", ("pypi", "jinja2"), "src"),
    Corpus("go:cobra", "go", "tune", ("deb-go", "golang-github-spf13-cobra-dev"), "spf13/cobra"),
    Corpus(
        "go:go-toml", "go", "tune", ("deb-go", "golang-github-pelletier-go-toml-dev"),
        "pelletier/go-toml",
    ),
    Corpus("go:cli", "go", "tune", ("deb-go", "golang-github-urfave-cli-dev"), "urfave/cli"),
    Corpus(
        "go:logrus", "go", "tune", ("deb-go", "golang-github-sirupsen-logrus-dev"),
        "sirupsen/logrus",
    ),
    Corpus("go:mux", "go", "tune", ("deb-go", "golang-github-gorilla-mux-dev"), "gorilla/mux"),
    Corpus(
        "go:pflag", "go", "tune", ("deb-go", "golang-github-spf13-pflag-dev"), "spf13/pflag"
    ),
    Corpus(
        "go:hcl", "go", "tune", ("deb-go", "golang-github-hashicorp-hcl-dev"), "hashicorp/hcl"
    ),
    Corpus("rust:semver", "rust", "tune", ("deb-rust", "librust-semver-dev"), "semver-"),
    Corpus("rust:anyhow", "rust", "tune", ("deb-rust", "librust-anyhow-dev"), "anyhow-"),
    Corpus("rust:toml", "rust", "tune", ("deb-rust", "librust-toml-dev"), "toml-"),
    Corpus(
        "rust:regex-syntax", "rust", "tune", ("deb-rust", "librust-regex-syntax-dev"),
        "regex-syntax-",
    ),
    Corpus("rust:bytes", "rust", "tune", ("deb-rust", "librust-bytes-dev"), "bytes-"),
    Corpus("rust:log", "rust", "tune", ("deb-rust", "librust-log-dev"), "log-"),
    Corpus("rust:itoa", "rust", "tune", ("deb-rust", "librust-itoa-dev"), "itoa-"),
    Corpus("ts:zod", "typescript", "tune", ("npm", "zod"), "src"),
    Corpus("ts:rxjs", "typescript", "tune", ("npm", "rxjs"), "src"),
    Corpus("ts:trpc", "typescript", "tune", ("npm", "@trpc/server"), "src"),
    Corpus("js:undici", "javascript", "tune", ("npm", "undici"), "lib"),
    Corpus("js:commander", "javascript", "tune", ("npm", "commander"), "lib"),
    Corpus("js:ky", "javascript", "tune", ("npm", "ky"), "distribution"),
    Corpus("js:koa", "javascript", "tune", ("npm", "koa"), "lib"),
    Corpus(
        "java:net.http", "java", "tune", ("deb-zip", "openjdk-17-source"),
        "usr/lib/jvm/openjdk-17/lib/src.zip!java.net.http",
    ),
    Corpus("py:requests", "python", "tune", ("pypi", "requests"), "src/requests"),
    Corpus("py:werkzeug", "python", "tune", ("pypi", "werkzeug"), "src/werkzeug"),
    Corpus("py:rich", "python", "tune", ("pypi", "rich"), "rich"),
    Corpus(
        "go:websocket", "go", "tune", ("deb-go", "golang-github-gorilla-websocket-dev"),
        "gorilla/websocket",
    ),
    Corpus(
        "go:viper", "go", "tune", ("deb-go", "golang-github-spf13-viper-dev"), "spf13/viper"
    ),
    Corpus(
        "go:testify", "go", "tune", ("deb-go", "golang-github-stretchr-testify-dev"),
        "stretchr/testify",
    ),
    Corpus(
        "rust:serde_json", "rust", "tune", ("deb-rust", "librust-serde-json-dev"),
        "serde_json-",
    ),
    Corpus("rust:url", "rust", "tune", ("deb-rust", "librust-url-dev"), "url-"),
    Corpus(
        "rust:hashbrown", "rust", "tune", ("deb-rust", "librust-hashbrown-dev"), "hashbrown-"
    ),
    Corpus("rust:smallvec", "rust", "tune", ("deb-rust", "librust-smallvec-dev"), "smallvec-"),
    Corpus("ts:query-core", "typescript", "tune", ("npm", "@tanstack/query-core"), "src"),
    Corpus("js:axios", "javascript", "tune", ("npm", "axios"), "lib"),
    Corpus("js:ws", "javascript", "tune", ("npm", "ws"), "lib"),
    Corpus("js:pino", "javascript", "tune", ("npm", "pino"), "lib"),
    Corpus("js:express", "javascript", "tune", ("npm", "express"), "lib"),
    Corpus(
        "java:logging", "java", "tune", ("deb-zip", "openjdk-17-source"),
        "usr/lib/jvm/openjdk-17/lib/src.zip!java.logging",
    ),
    Corpus(
        "java:sql", "java", "tune", ("deb-zip", "openjdk-17-source"),
        "usr/lib/jvm/openjdk-17/lib/src.zip!java.sql",
    ),
    Corpus("c:git2", "c", "tune", ("deb-dir", "libgit2-dev"), "usr/include/git2"),
    Corpus(
        "cpp:nlohmann", "cpp", "tune", ("deb-dir", "nlohmann-json3-dev"), "usr/include/nlohmann"
    ),
    Corpus("c:sodium", "c", "tune", ("deb-dir", "libsodium-dev"), "usr/include"),
    Corpus("cpp:glm", "cpp", "tune", ("deb-dir", "libglm-dev"), "usr/include/glm"),
    Corpus("py:flask", "python", "tune", ("pypi", "flask"), "src/flask"),
    Corpus("py:arrow", "python", "tune", ("pypi", "arrow"), "arrow"),
    Corpus("py:paramiko", "python", "tune", ("pypi", "paramiko"), "paramiko"),
    Corpus("py:urllib3", "python", "tune", ("pypi", "urllib3"), "src/urllib3"),
    Corpus("py:sqlparse", "python", "tune", ("pypi", "sqlparse"), "sqlparse"),
    Corpus(
        "go:gin", "go", "tune", ("deb-go", "golang-github-gin-gonic-gin-dev"),
        "gin-gonic/gin",
    ),
    Corpus(
        "go:echo", "go", "tune", ("deb-go", "golang-github-labstack-echo-dev"),
        "labstack/echo",
    ),
    Corpus(
        "go:afero", "go", "tune", ("deb-go", "golang-github-spf13-afero-dev"),
        "spf13/afero",
    ),
    Corpus(
        "go:zerolog", "go", "tune", ("deb-go", "golang-github-rs-zerolog-dev"), "rs/zerolog"
    ),
    Corpus(
        "go:sqlx", "go", "tune", ("deb-go", "golang-github-jmoiron-sqlx-dev"), "jmoiron/sqlx"
    ),
    Corpus("rust:indexmap", "rust", "tune", ("deb-rust", "librust-indexmap-dev"), "indexmap-"),
    Corpus(
        "rust:itertools", "rust", "tune", ("deb-rust", "librust-itertools-dev"),
        "itertools-",
    ),
    Corpus("rust:base64", "rust", "tune", ("deb-rust", "librust-base64-dev"), "base64-"),
    Corpus("rust:memchr", "rust", "tune", ("deb-rust", "librust-memchr-dev"), "memchr-"),
    Corpus("ts:mobx", "typescript", "tune", ("npm", "mobx"), "src"),
    Corpus("ts:immer", "typescript", "tune", ("npm", "immer"), "src"),
    Corpus("ts:redux-toolkit", "typescript", "tune", ("npm", "@reduxjs/toolkit"), "src"),
    Corpus("ts:router-core", "typescript", "tune", ("npm", "@tanstack/router-core"), "src"),
    Corpus("js:fastify", "javascript", "tune", ("npm", "fastify"), "lib"),
    Corpus("js:mocha", "javascript", "tune", ("npm", "mocha"), "lib"),
    Corpus("js:knex", "javascript", "tune", ("npm", "knex"), "lib"),
    Corpus("js:handlebars", "javascript", "tune", ("npm", "handlebars"), "lib"),
    # Stop 17: two more JavaScript packages, to check that the JavaScript work generalizes.
    Corpus("js:mongoose", "javascript", "tune", ("npm", "mongoose"), "lib"),
    Corpus("js:less", "javascript", "tune", ("npm", "less"), "lib"),
    Corpus(
        "java:httpserver", "java", "tune", ("deb-zip", "openjdk-17-source"),
        "usr/lib/jvm/openjdk-17/lib/src.zip!jdk.httpserver",
    ),
    Corpus(
        "java:prefs", "java", "tune", ("deb-zip", "openjdk-17-source"),
        "usr/lib/jvm/openjdk-17/lib/src.zip!java.prefs",
    ),
    Corpus("c:libxml2", "c", "tune", ("deb-dir", "libxml2-dev"), "usr/include/libxml2"),
    Corpus("cpp:fmt", "cpp", "tune", ("deb-dir", "libfmt-dev"), "usr/include/fmt"),
    Corpus("cpp:cli11", "cpp", "tune", ("deb-dir", "libcli11-dev"), "usr/include/CLI"),
    Corpus("py:structlog", "python", "held-out", ("pypi", "structlog"), "src/structlog"),
    Corpus("py:tenacity", "python", "held-out", ("pypi", "tenacity"), "tenacity"),
    Corpus("py:trio", "python", "held-out", ("pypi", "trio"), "src/trio"),
    Corpus("go:chi", "go", "held-out", ("deb-go", "golang-github-go-chi-chi-dev"), "go-chi/chi"),
    Corpus(
        "go:mapstructure", "go", "held-out",
        ("deb-go", "golang-github-mitchellh-mapstructure-dev"), "mitchellh/mapstructure",
    ),
    Corpus(
        "go:validator", "go", "held-out",
        ("deb-go", "golang-github-go-playground-validator-v10-dev"), "go-playground/validator/v10",
    ),
    Corpus("rust:walkdir", "rust", "held-out", ("deb-rust", "librust-walkdir-dev"), "walkdir-"),
    Corpus("rust:tempfile", "rust", "held-out", ("deb-rust", "librust-tempfile-dev"), "tempfile-"),
    Corpus(
        "rust:crossbeam-channel", "rust", "held-out",
        ("deb-rust", "librust-crossbeam-channel-dev"), "crossbeam-channel-",
    ),
    Corpus("rust:petgraph", "rust", "held-out", ("deb-rust", "librust-petgraph-dev"), "petgraph-"),
    Corpus("ts:prosemirror-model", "typescript", "held-out", ("npm", "prosemirror-model"), "src"),
    Corpus("ts:tiptap-core", "typescript", "held-out", ("npm", "@tiptap/core"), "src"),
    Corpus("js:winston", "javascript", "held-out", ("npm", "winston"), "lib"),
    Corpus("js:joi", "javascript", "held-out", ("npm", "joi"), "lib"),
    Corpus("js:nunjucks", "javascript", "held-out", ("npm", "nunjucks"), "src"),
    Corpus("js:hapi", "javascript", "held-out", ("npm", "@hapi/hapi"), "lib"),
    Corpus(
        "java:naming", "java", "held-out", ("deb-zip", "openjdk-17-source"),
        "usr/lib/jvm/openjdk-17/lib/src.zip!java.naming",
    ),
    Corpus(
        "java:rmi", "java", "held-out", ("deb-zip", "openjdk-17-source"),
        "usr/lib/jvm/openjdk-17/lib/src.zip!java.rmi",
    ),
    Corpus("c:glib", "c", "held-out", ("deb-dir", "libglib2.0-dev"), "usr/include/glib-2.0/glib"),
    Corpus(
        "c:curl", "c", "held-out", ("deb-dir", "libcurl4-openssl-dev"),
        "usr/include/x86_64-linux-gnu/curl",
    ),
    Corpus("cpp:cereal", "cpp", "held-out", ("deb-dir", "libcereal-dev"), "usr/include/cereal"),
    Corpus(
        "cpp:yaml-cpp", "cpp", "held-out", ("deb-dir", "libyaml-cpp-dev"), "usr/include/yaml-cpp"
    ),
)  # fmt: skip
LANGUAGE_IDS = {"typescript": "typescript", "javascript": "javascript", "cpp": "cpp"}
_RUST_STD_MEMBERS = """
    push push_str pop len is_empty clone to_owned to_string as_str as_ref as_mut iter iter_mut
    into_iter next get get_mut insert remove contains contains_key entry unwrap expect map
    and_then ok_or ok err is_some is_none is_ok is_err take replace split trim chars bytes
    collect extend parse fmt write write_str write_fmt hash eq cmp partial_cmp borrow
    borrow_mut deref from into default new with_capacity capacity clear truncate starts_with
    ends_with find peek last first keys values drain sort reverse join lines lock read
"""
_JS_STD_MEMBERS = """
    push pop shift unshift slice splice map filter reduce forEach find findIndex includes
    indexOf join concat keys values entries length toString valueOf then catch finally call
    apply bind get set has delete add clear size split replace trim startsWith endsWith
    toLowerCase toUpperCase match test exec emit on once off name message description
"""
_GO_STD_MEMBERS = """
    String Error Write WriteString WriteByte WriteRune Read ReadString Close Len Lock Unlock
    RLock RUnlock Done Add Wait Get Set Del Next Err Bytes Reset Sort Swap Less Name
"""
_CPP_STD_MEMBERS = """
    empty size length data c_str begin end cbegin cend rbegin rend front back push_back
    pop_back emplace emplace_back insert erase clear find rfind substr compare append at
    reserve resize capacity count swap get reset release first second value has_value str
    what lock unlock load store
"""
_JAVA_STD_MEMBERS = """
    length toString equals hashCode add addAll remove get put set size isEmpty contains
    containsKey iterator next hasNext close find start end group append charAt substring
    indexOf startsWith endsWith trim split format getName getClass clone compareTo name
    ordinal values valueOf clear keySet entrySet getKey getValue stream forEach
"""
STD_MEMBERS = {
    "python": frozenset(
        name
        for kind in (dict, list, str, bytes, set, tuple, int, float, object, BaseException)
        for name in dir(kind)
    ),
    "rust": frozenset(_RUST_STD_MEMBERS.split()),
    "javascript": frozenset(_JS_STD_MEMBERS.split()),
    "typescript": frozenset(_JS_STD_MEMBERS.split()),
    "go": frozenset(_GO_STD_MEMBERS.split()),
    "cpp": frozenset(_CPP_STD_MEMBERS.split()),
    "java": frozenset(_JAVA_STD_MEMBERS.split()),
}
"""Member names the standard library's own types define: `out.push(c)` or `d.get(k)` may
be a `String`'s or a `dict`'s (C++'s `name.empty()` a `std::string`'s, Java's
`s.length()` a `String`'s), and the unique-definition oracle cannot tell."""
_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_MEMBER_BEFORE = re.compile(r"(?:(?<!\.)\.|::)\s*$")
_RECEIVER_BEFORE = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*(?:\.|::)\s*$")
_CHAIN_BEFORE = re.compile(r"(?<![\w$.])([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*)\s*\.\s*$")
"""A receiver that is a chain of names (`self.app.`), as Python's `owns` reads it."""
# `->` reaches a member in C and C++ only; in Python and Rust it starts a return type.
_JAVA_PACKAGE_BEFORE = re.compile(r"(?<![\w.])(?:java|javax|jdk|sun|com|org)(?:\.[a-z_]\w*)*\.\s*$")
_CPP_STD_BEFORE = re.compile(r"(?<![\w:])(?:::)?std\s*::\s*$")
_C_MEMBER_BEFORE = re.compile(r"(?:\.|::|->)\s*$")
_C_RECEIVER_BEFORE = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*(?:\.|::|->)\s*$")


# Corpora ---------------------------------------------------------------------------------------


def corpus_root(corpus: Corpus) -> Path | None:
    """The corpus's tree under `.bench/recall/src`, fetched and unpacked on first use."""
    root = WORK / "src" / corpus.label.replace(":", "-")
    if root.is_dir() and any(root.iterdir()):
        return root
    registry, package = corpus.fetch
    try:
        source = _fetched(registry, package, corpus.subdir)
    except (OSError, subprocess.SubprocessError, tarfile.TarError, zipfile.BadZipFile) as exc:
        print(f"  {corpus.label:<18} not fetched: {exc}", flush=True)
        return None
    if source is None:
        return None
    # A Python package keeps its folder's name inside the opened folder, as in the
    # project's own checkout: `from flask.globals import g` then names a file of the tree.
    package = Path(corpus.subdir).name
    is_package = registry == "pypi" and package and (source / "__init__.py").is_file()
    destination = root / package if is_package else root
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return root


def _fetched(registry: str, package: str, subdir: str) -> Path | None:
    """The unpacked package's folder `subdir`, fetched with the registry's own client."""
    if registry == "pypi":
        folder = BENCH / "pypi"
        folder.mkdir(parents=True, exist_ok=True)
        found = sorted(folder.glob(f"{package}-*.tar.gz"))
        if not found:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                 "-d", str(folder), package],
                check=True, capture_output=True, timeout=300,
            )  # fmt: skip
            found = sorted(folder.glob(f"{package}-*.tar.gz"))
        return _unpacked(found[-1], subdir) if found else None
    if registry == "npm":
        folder = BENCH / "npm-packs"
        folder.mkdir(parents=True, exist_ok=True)
        found = sorted(folder.glob(f"{package.lstrip('@').replace('/', '-')}-*.tgz"))
        npm = shutil.which("npm")
        if not found and npm is not None:
            subprocess.run(
                [npm, "pack", package, "--silent"], cwd=folder, check=True,
                capture_output=True, timeout=300,
            )  # fmt: skip
            found = sorted(folder.glob(f"{package.lstrip('@').replace('/', '-')}-*.tgz"))
        return _unpacked(found[-1], f"package/{subdir}") if found else None
    if registry in ("deb-dir", "deb-zip"):
        inside, _, member = subdir.partition("!")
        if not (DEBROOT / inside).exists():
            _deb_unpacked(package)
        if registry == "deb-dir":
            return DEBROOT / inside if (DEBROOT / inside).is_dir() else None
        target = WORK / "unzipped" / member
        if not target.is_dir():
            with zipfile.ZipFile(DEBROOT / inside) as archive:
                names = [n for n in archive.namelist() if n.startswith(member + "/")]
                archive.extractall(WORK / "unzipped", names)
        return target
    if registry in ("deb-go", "deb-rust"):
        base = DEBROOT / "usr/share" / ("gocode/src/github.com" if registry == "deb-go" else "")
        if registry == "deb-rust":
            base = DEBROOT / "usr/share/cargo/registry"
        if not _deb_present(base, subdir):
            _deb_unpacked(package)
        if registry == "deb-go":
            return base / subdir if (base / subdir).is_dir() else None
        found = sorted(base.glob(f"{subdir}*"))
        return found[-1] if found else None
    return None


def _deb_unpacked(package: str) -> None:
    """Download a Debian package with apt and unpack it into `DEBROOT` with dpkg."""
    folder = BENCH / "debs"
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["apt-get", "download", package], cwd=folder, check=True, capture_output=True, timeout=600
    )
    for deb in sorted(folder.glob(f"{package}_*.deb")):
        subprocess.run(["dpkg", "-x", str(deb), str(DEBROOT)], check=True, timeout=300)


def _deb_present(base: Path, subdir: str) -> bool:
    return (base / subdir).is_dir() or bool(list(base.glob(f"{subdir}*")))


def _unpacked(archive: Path, subdir: str) -> Path | None:
    """The folder `subdir` of an archive unpacked beside it (the archive's top folder
    stripped for sdists)."""
    target = archive.parent / archive.name.split(".t")[0]
    if not target.is_dir():
        with tarfile.open(archive) as tar:
            tar.extractall(target, filter="data")
    top = [p for p in target.iterdir() if p.is_dir()]
    if archive.suffix == ".gz" and archive.name.endswith(".tar.gz") and len(top) == 1:
        found = top[0] / subdir
    else:
        found = target / subdir
    return found if found.is_dir() else None


# Holes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hole:
    """A cursor in a file, the removed rest of its line, and the definitions it uses."""

    rel_path: str
    language: str
    text: str
    line_idx: int
    column: int
    hidden: str
    truths: tuple[SymbolRow, ...]
    is_member: bool


def find_holes(store: IndexStore, root: Path, language: str, n_holes: int) -> list[Hole]:
    """Up to `n_holes` holes of the tree's `language` files, seeded by the tree's name."""
    by_name: dict[str, list[SymbolRow]] = defaultdict(list)
    files = [f for f in store.files() if f.language == language]
    for file in files:
        for row in store.definitions_in_file(file.rel_path):
            by_name[row.name].append(row)
    if language == "rust":
        # A method of `impl de::Visitor for ValueVisitor` implements an outside trait's
        # method: `visitor.visit_some(..)` on a generic `V: Visitor` is serde's, and the
        # trait's declaration outside the tree makes the name defined twice.
        for name in _outside_trait_methods(root, [f.rel_path for f in files], by_name):
            by_name.pop(name, None)
    texts = {
        f.rel_path: (root / f.rel_path).read_text(encoding="utf-8", errors="replace") for f in files
    }
    classes = TreeClasses.of(texts.items()) if language == "python" else None
    holes: list[Hole] = []
    for file in files:
        if _is_test(file.rel_path):
            continue
        text = texts[file.rel_path]
        imports = store.imports_of(file.rel_path)
        import_lines = {row.line_idx for row in imports}
        inside = [row for row in imports if row.resolved_path]
        outside = [row for row in imports if not row.resolved_path]
        # A namespace import (`import * as schemas`) binds a module, not a definition of
        # that name: `schemas` defined once elsewhere (`const schemas = [`) is no truth.
        imported = {n.local_name for row in inside for n in row.names if n.name != "*"}
        external = {n.local_name for row in outside for n in row.names} | {
            row.alias or re.split(r"[./:]+", row.module.strip("./"))[-1] for row in outside
        }
        receivers = None
        if classes is not None:
            imported_from = {
                n.local_name: row.resolved_path
                for row in inside
                if row.resolved_path
                for n in row.names
                if n.name != "*"
            }
            receivers = FileReceivers.of(classes, file.rel_path, text, imported_from)
        lines = text.split("\n")
        in_prose = _prose_lines(language, text)
        offset = 0
        open_brackets = 0
        for line_idx, line in enumerate(lines):
            line_start = offset
            offset += len(line) + 1
            if line_idx in in_prose:
                # Prose in a docstring or a block comment (`Not all attributes...`) is no
                # code to complete.
                continue
            if line_idx in import_lines or open_brackets:
                open_brackets = max(0, open_brackets + _bracket_balance(line))
                continue
            if _is_comment(line) or len(line) > 200 or _PACKAGE_LINE.match(line):
                continue
            owns = functools.partial(receivers.owns, line_idx) if receivers else None
            uses = _cross_file_uses(
                by_name, file.rel_path, language, imported, external, line, owns
            )
            if not uses:
                continue
            column, _, is_member = uses[0]
            truths = tuple({(r.rel_path, r.start_line_idx): r for _, r, _ in uses}.values())
            holes.append(
                Hole(
                    file.rel_path,
                    language,
                    text[: line_start + column] + text[line_start + len(line) :],
                    line_idx,
                    column,
                    line[column:],
                    truths,
                    is_member,
                )
            )
    random.Random(root.name).shuffle(holes)
    return holes[:n_holes]


def _cross_file_uses(
    by_name: dict[str, list[SymbolRow]],
    rel_path: str,
    language: str,
    imported: set[str],
    external: set[str],
    line: str,
    owns: Callable[[str, str | None], bool] | None = None,
) -> list[tuple[int, SymbolRow, bool]]:
    """(column, definition, is_member) of each cross-file name of `line`, in order.
    `owns(receiver, container)` says whether the code states that a receiver is a tree
    class with a member in `container`: a standard-library namesake reached through one
    still counts."""
    code = _without_strings(line, language)
    is_c = language in ("c", "cpp")
    member_before = _C_MEMBER_BEFORE if is_c else _MEMBER_BEFORE
    receiver_before = _C_RECEIVER_BEFORE if is_c else _RECEIVER_BEFORE
    found = []
    for match in _IDENTIFIER.finditer(code):
        name = match.group(0)
        if name in KEYWORDS or len(name) < 2:
            continue
        rows = by_name.get(name, [])
        if not rows or any(r.rel_path == rel_path for r in rows):
            continue
        is_member = member_before.search(code[: match.start()]) is not None
        receiver = receiver_before.search(code[: match.start()])
        if is_member and name in _std_members(language):
            chain = _CHAIN_BEFORE.search(code[: match.start()])
            if not (owns and chain and len(rows) == 1 and owns(chain.group(1), rows[0].container)):
                continue
        if is_member and language == "cpp" and _CPP_STD_BEFORE.search(code[: match.start()]):
            # `std::is_integral`: the standard library's, whatever the tree defines so.
            continue
        if is_member and language == "java" and _JAVA_PACKAGE_BEFORE.search(code[: match.start()]):
            # `java.util.logging.Level`: `logging` is a package of the path, not a member
            # (nor the resource bundle class that happens to be named `logging`).
            continue
        if not is_member and name in external:
            # The file binds the name to an outside package (`url.Parse` after `import
            # "net/url"`), whatever the tree defines under that name.
            continue
        if is_member and receiver is not None and receiver.group(1) in external:
            # `decimal.Decimal`, `os.PathLike`: a member of an outside package's module.
            continue
        places = {(r.rel_path, r.start_line_idx) for r in rows}
        if len(places) != 1:
            continue
        row = rows[0]
        if row.kind in ("module", "impl"):
            continue
        if not is_member and (
            row.container is not None
            or row.kind == "field"
            or not _is_visible(row, rel_path, language, imported)
        ):
            continue
        if language == "rust" and row.kind == "field" and _is_called(code, match.end()):
            # `x.f()` calls a method in Rust; a field holding a function is `(x.f)()`.
            continue
        found.append((match.start(), row, is_member))
    return found


def _outside_trait_methods(
    root: Path, rel_paths: Sequence[str], by_name: dict[str, list[SymbolRow]]
) -> set[str]:
    """The names of the methods that Rust `impl Trait for Type` blocks define for a trait
    that the tree does not define (`Display`, `de::Visitor`)."""
    lang = language_named("rust")
    assert lang is not None
    found: set[str] = set()
    for rel_path in rel_paths:
        source = (root / rel_path).read_bytes()
        pending = [parse(lang, source).root_node]
        while pending:
            node = pending.pop()
            if node.type != "impl_item":
                pending.extend(node.children)
                continue
            trait = node.child_by_field_name("trait")
            body = node.child_by_field_name("body")
            if trait is None or body is None:
                continue
            text = (trait.text or b"").decode("utf-8", "replace")
            trait_name = re.split(r"::", re.sub(r"<.*", "", text))[-1].strip()
            if any(r.kind in ("trait", "interface") for r in by_name.get(trait_name, [])):
                continue
            for item in body.named_children:
                name = item.child_by_field_name("name")
                if item.type == "function_item" and name is not None:
                    found.add((name.text or b"").decode("utf-8", "replace"))
    return found


def _is_called(code: str, end: int) -> bool:
    """Whether the name ending at `end` is called: `(` or a turbofish `::<` follows."""
    rest = code[end:].lstrip()
    return rest.startswith(("(", "::<"))


def _std_members(language: str) -> frozenset[str]:
    """`STD_MEMBERS` of `language`, with the names its standard library's source defines
    (`benchmarks.std_members`: Rust and Go), read once."""
    found = _STD_CACHE.get(language)
    if found is None:
        found = STD_MEMBERS.get(language, frozenset()) | std_members(language)
        _STD_CACHE[language] = found
    return found


_STD_CACHE: dict[str, frozenset[str]] = {}


def _is_visible(row: SymbolRow, rel_path: str, language: str, imported: set[str]) -> bool:
    """Whether an unqualified name defined by `row` is seen by the file without a prefix."""
    if language == "go":
        return row.rel_path.rsplit("/", 1)[0:1] == rel_path.rsplit("/", 1)[0:1] or (
            "/" not in row.rel_path and "/" not in rel_path
        )
    if language in ("c", "cpp"):
        return True
    return row.name in imported


def _prose_lines(language: str, text: str) -> frozenset[int]:
    """The 0-based lines that lie inside a comment or a string spanning several lines, as
    tree-sitter parses the file: every line of a block comment (a Go `doc.go` is one comment
    full of example code) and a multi-line string's lines after its first (docstring prose,
    a template literal's text)."""
    lang = language_named(language)
    if lang is None:
        return frozenset()
    found: set[int] = set()
    pending = [parse(lang, text).root_node]
    while pending:
        node = pending.pop()
        first, last = node.start_point.row, node.end_point.row
        if first == last:
            continue
        kind = node.type
        if "comment" in kind:
            found.update(range(first, last + 1))
        elif "string" in kind or kind == "text_block":
            found.update(range(first + 1, last + 1))
        else:
            pending.extend(node.children)
    return frozenset(found)


def _is_test(rel_path: str) -> bool:
    name = rel_path.rsplit("/", 1)[-1]
    return (
        name.endswith("_test.go")
        or name.startswith("test_")
        or ".test." in name
        or ".spec." in name
        or "/tests/" in f"/{rel_path}"
        or "/test/" in f"/{rel_path}"
    )


def _without_strings(line: str, language: str) -> str:
    blanked = re.sub(
        r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"|`[^`]*`", lambda m: " " * len(m[0]), line
    )
    markers = ("#",) if language == "python" else ("//",)
    for marker in markers:
        cut = blanked.find(marker)
        if cut >= 0:
            blanked = blanked[:cut] + " " * (len(blanked) - cut)
    return blanked


def _bracket_balance(line: str) -> int:
    code = _without_strings(line, "")
    return sum(code.count(c) for c in "({[") - sum(code.count(c) for c in ")}]")


_PACKAGE_LINE = re.compile(r"\s*package\s+[\w.]+\s*;?\s*$")
"""A Java or Go package declaration (`package java.util.logging;`): it names the file's own
package, not a definition (a class named `logging` elsewhere is no truth)."""


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith(("#", "//", "*", "/*", '"""', "'''"))


def signature_line(row: SymbolRow) -> str:
    """The line of a definition's signature that names it (decorators skipped)."""
    for line in row.signature.split("\n"):
        if row.name in line:
            return line.strip()
    return row.signature.split("\n")[0].strip()


# The server ------------------------------------------------------------------------------------


@dataclass
class Result:
    """Recalled holes and next-keystroke latencies of one server on one corpus."""

    hits: int = 0
    member_hits: int = 0
    n_holes: int = 0
    n_member: int = 0
    empty_definitions: int = 0
    next_keystroke_ms: list[float] = field(default_factory=list)
    first_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)


async def started_client(
    command: Sequence[str], env: dict[str, str], cwd: Path, root: Path, index_dir: Path
) -> LanguageClient:
    """A client of one `fillin serve` of the folder `root` with default settings at the
    budget, once the folder's indexing has ended."""
    client = LanguageClient("bench-recall", "1")
    index_ended = asyncio.Event()

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def _create(params: types.WorkDoneProgressCreateParams) -> None:
        return None

    @client.feature(types.PROGRESS)
    def _progress(params: types.ProgressParams) -> None:
        if isinstance(params.value, dict) and params.value.get("kind") == "end":
            index_ended.set()

    await client.start_io(*command, env=env, cwd=str(cwd))
    settings = {
        "model": {"backend": "openai", "url": "http://127.0.0.1:9/v1", "template": "qwen2.5-coder"},
        "context": {"maxPromptTokens": BUDGET},
        "index": {"enabled": True, "directory": str(index_dir)},
    }
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(
                window=types.WindowClientCapabilities(work_done_progress=True),
                workspace=types.WorkspaceClientCapabilities(workspace_folders=True),
            ),
            initialization_options=settings,
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        )
    )
    client.initialized(types.InitializedParams())
    await asyncio.wait_for(index_ended.wait(), timeout=600)
    return client


def open_hole(client: LanguageClient, root: Path, hole: Hole) -> tuple[str, int]:
    """Open the hole's file (its text with the hole) in the server, as an editor does; its
    URI and the cursor's column in UTF-16 code units."""
    uri = (root / hole.rel_path).as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri,
                language_id=LANGUAGE_IDS.get(hole.language, hole.language),
                version=1,
                text=hole.text,
            )
        )
    )
    line = hole.text.split("\n")[hole.line_idx][: hole.column]
    return uri, len(line.encode("utf-16-le")) // 2


async def serve_holes(
    command: Sequence[str],
    env: dict[str, str],
    cwd: Path,
    root: Path,
    index_dir: Path,
    holes: Sequence[Hole],
) -> Result:
    """Drive one `fillin serve` over `holes` in the folder `root`."""
    client = await started_client(command, env, cwd, root, index_dir)
    result = Result()
    for hole in holes:
        uri, character = open_hole(client, root, hole)
        position = {"line": hole.line_idx, "character": character}
        started = time.perf_counter()
        answer = await _context(client, uri, position)
        result.first_ms.append((time.perf_counter() - started) * 1000)
        prompt: str = answer.prompt
        needles = [signature_line(row) for row in hole.truths]
        missing = missing_needles(prompt, needles)
        is_hit = not missing
        result.n_holes += 1
        result.hits += is_hit
        result.n_member += hole.is_member
        result.member_hits += is_hit and hole.is_member
        sources = {s.source for s in answer.sections}
        result.empty_definitions += not ({"definition", "member"} & sources)
        if not is_hit:
            line = hole.text.split("\n")[hole.line_idx]
            result.misses.append(
                f"{hole.rel_path}:{hole.line_idx + 1}: {line.strip()}|{hole.hidden.strip()}"
                f"  missing {missing}"
            )
        # The next keystroke: the first character of the hidden text is typed.
        typed = hole.hidden[:1] or " "
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(
                            start=types.Position(**position), end=types.Position(**position)
                        ),
                        text=typed,
                    )
                ],
            )
        )
        after = {"line": hole.line_idx, "character": position["character"] + 1}
        started = time.perf_counter()
        await _context(client, uri, after)
        result.next_keystroke_ms.append((time.perf_counter() - started) * 1000)
        client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return result


def missing_needles(prompt: str, needles: Sequence[str]) -> list[str]:
    """The `needles` that `prompt` does not hold, each run of spaces and tabs counted as one:
    a header rendered on one line (`LocalProxy( # type: ignore`) holds the same words as its
    source line (`LocalProxy(  # type: ignore`)."""
    squeezed = _BLANKS.sub(" ", prompt)
    return [n for n in needles if _BLANKS.sub(" ", n) not in squeezed]


_BLANKS = re.compile(r"[ \t]+")


async def _context(client: LanguageClient, uri: str, position: dict[str, int]) -> Any:
    return await client.protocol.send_request_async(
        "fillin/context", {"textDocument": {"uri": uri}, "position": position}
    )


def baseline_source(ref: str) -> Path:
    """The baseline's code, unpacked once: commit `ref`, or by default the code on main
    before this branch (the merge base of HEAD and `main`)."""
    base = subprocess.run(
        ["git", "rev-parse", f"{ref}^{{commit}}"] if ref else ["git", "merge-base", "HEAD", "main"],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    target = WORK / "baseline-src"
    marker = target / ".commit"
    if not (marker.is_file() and marker.read_text() == base):
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "archive", base], cwd=REPO_ROOT, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
        marker.write_text(base)
    return target


# Main ------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The `q` quantile (0..1) of `values`, nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.999999) - 1))]


def main() -> None:
    """Print recall per corpus, language and role for this branch and main's code."""
    parser = argparse.ArgumentParser(prog="bench_recall", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="40 holes per corpus")
    parser.add_argument("--holes", type=int, default=0, help="holes per corpus")
    parser.add_argument(
        "--only", default="", help="corpora whose label contains one of these (comma-separated)"
    )
    parser.add_argument("--misses", action="store_true", help="print this branch's misses")
    parser.add_argument(
        "--baseline", default="", help="the baseline's commit (default: the merge base with main)"
    )
    args = parser.parse_args()
    n_holes = args.holes or (40 if args.quick else 100)
    asyncio.run(_run(n_holes, args.only, args.misses, args.baseline))


async def _run(n_holes: int, only: str, is_printing_misses: bool, baseline_ref: str) -> None:
    baseline = baseline_source(baseline_ref)
    servers = {
        "main": (
            [sys.executable, "-m", "lsp_server", "serve", "--log-level", "error"],
            {**os.environ, "PYTHONPATH": str(baseline)},
            baseline,
        ),
        "branch": (
            [sys.executable, "-m", "lsp_server", "serve", "--log-level", "error"],
            {**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            REPO_ROOT,
        ),
    }
    print(
        f"Recall through fillin serve at {BUDGET} tokens, <= {n_holes} holes per corpus, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        flush=True,
    )
    totals: dict[tuple[str, str, str], Result] = defaultdict(Result)
    for corpus in CORPORA:
        if only and not any(part in corpus.label for part in only.split(",")):
            continue
        root = corpus_root(corpus)
        if root is None:
            print(f"  {corpus.label:<18} unavailable; skipped", flush=True)
            continue
        index_dir = WORK / "index"
        workspace = Workspace(root, IndexSettings(directory=str(index_dir / "branch")))
        workspace.refresh()
        holes = find_holes(workspace.store, root, corpus.language, n_holes)
        workspace.close()
        if not holes:
            print(f"  {corpus.label:<18} no holes", flush=True)
            continue
        cells = []
        for name, (command, env, cwd) in servers.items():
            result = await serve_holes(command, env, cwd, root, index_dir / name, holes)
            for key in ((corpus.language, corpus.role), ("all", corpus.role)):
                _add(totals[(name, *key)], result)
            cells.append(_cells(name, result))
            if is_printing_misses and name == "branch":
                for miss in result.misses:
                    print(f"    miss {corpus.label} {miss}", flush=True)
        print(f"  {corpus.label:<18} {corpus.role:<8} " + "  ".join(cells), flush=True)
    print("Totals (recall; member-access holes; prompts with no definitions)", flush=True)
    for role in ("tune", "held-out"):
        for language in (
            "python",
            "go",
            "rust",
            "typescript",
            "javascript",
            "java",
            "c",
            "cpp",
            "all",
        ):
            row = [totals.get((name, language, role)) for name in servers]
            if not any(r and r.n_holes for r in row):
                continue
            cells = [_cells(name, r) for name, r in zip(servers, row, strict=True) if r]
            print(f"  {language:<11} {role:<8} " + "  ".join(cells), flush=True)
    for name in servers:
        result = totals.get((name, "all", "held-out")) or Result()
        tuned = totals.get((name, "all", "tune")) or Result()
        keystrokes = result.next_keystroke_ms + tuned.next_keystroke_ms
        print(
            f"  {name}: fillin/context next keystroke p50={percentile(keystrokes, 0.5):.1f} ms "
            f"p95={percentile(keystrokes, 0.95):.1f} ms (target p95 <= 30 ms)",
            flush=True,
        )
    print(f"  load average at the end {os.getloadavg()[0]:.1f}", flush=True)


def _add(total: Result, result: Result) -> None:
    total.hits += result.hits
    total.member_hits += result.member_hits
    total.n_holes += result.n_holes
    total.n_member += result.n_member
    total.empty_definitions += result.empty_definitions
    total.next_keystroke_ms.extend(result.next_keystroke_ms)
    total.first_ms.extend(result.first_ms)


def _cells(name: str, result: Result) -> str:
    share = result.hits / result.n_holes if result.n_holes else 0.0
    member = result.member_hits / result.n_member if result.n_member else 0.0
    return (
        f"{name}={share:6.1%} ({result.hits}/{result.n_holes}; member "
        f"{member:6.1%} of {result.n_member}; empty {result.empty_definitions})"
    )


if __name__ == "__main__":
    main()
