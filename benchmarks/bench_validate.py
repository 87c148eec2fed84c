"""Validation benchmark: true completions pass, mutated ones are caught, and it is fast.

Holes are one-line statements cut from function bodies of installed packages' source trees
(`benchmarks.holes`: httpx, pygls, cattrs, pathspec); each package is indexed into a
temporary SQLite index and is the workspace of its files. For every hole:

- the true line must pass: a false rejection is a problem of a kind whose default policy
  drops or trims the text (syntax, unknown-dependency, unknown-symbol);
- mutations of it must be caught, each by its own kind:
  - syntax: the last closing bracket removed, or a dangling `+` added;
  - unknown-symbol: the callee of a call renamed to a name that exists nowhere (plain
    names `f(...)` and members `x.f(...)` are counted apart);
  - unknown-dependency: the line replaced by an import of a package that is not installed
    (plausible hallucinated names);
  - arity: positional arguments added beyond what a function defined in the package
    accepts (calls whose callee the index or the file defines once, without `*args`).

Cost: validation time per candidate on httpx/_client.py (about 2,000 lines), cold (the
first candidate after the document changed, which parses the window around the cursor)
and warm (the next candidates of the same request), after a first use that reads the
names of the packages the file imports (printed apart: once per server process).

Targets: false rejections <= 2%; recall >= 95% syntax and unknown-dependency, >= 90%
unknown-symbol, >= 80% arity; p95 <= 15 ms.

With `--llm`, also ToolGen's Static Validity Rate and Dependency Coverage of the real
embedded model's suggestions, validation off and on (`measure_llm`; minutes on a CPU).

Usage: `python -m benchmarks.bench_validate [--quick] [--llm]`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import re
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

import tree_sitter as ts

from benchmarks.holes import PACKAGES, Hole, package_dir, sample_holes
from context.document import Document
from context.ignore import IgnoreRules
from context.index.indexer import Indexer
from context.index.records import default_resolver
from context.index.store import IndexStore
from context.languages import language_named
from context.settings import IndexSettings, ValidationSettings
from context.syntax import parse
from context.validation.policy import Problem, policy_for, validate
from context.validation.signatures import params_from_signature
from context.validation.view import IndexView

SETTINGS = ValidationSettings()
FAKE_PACKAGES = (
    "httpx_retry_utils",
    "fastjsonx",
    "pyutils_pro",
    "lsp_helpers",
    "requests_toolkit",
    "asyncio_extras_plus",
)


def index_views(directory: Path) -> dict[str, IndexView]:
    """An index view per package, built into `directory`."""
    views: dict[str, IndexView] = {}
    for name in PACKAGES:
        root = package_dir(name)
        if root is None:
            continue
        store = IndexStore(root, directory / f"{name}.db")
        Indexer(
            store, IgnoreRules(root, IndexSettings()), resolver=default_resolver(root, (), None)
        ).refresh()
        views[str(root.resolve())] = IndexView(store)
    return views


def view_for(views: dict[str, IndexView], path: Path) -> IndexView:
    resolved = str(path.resolve())
    return next(v for root, v in views.items() if resolved.startswith(root + "/"))


def problems_of(hole: Hole, text: str, view: IndexView) -> list[Problem]:
    document = Document(hole.path.as_uri(), hole.prefix + hole.suffix, "python", path=hole.path)
    return validate(document, hole.offset, text, view, SETTINGS)


def is_dropped(problems: list[Problem]) -> bool:
    """Whether the default policies would reject or trim the text."""
    return any(policy_for(p.kind, SETTINGS) in ("reject", "trim") for p in problems)


def _tokens(line: str) -> tuple[str, list[ts.Node]]:
    """The line without its indentation, and its syntax tree's nodes in source order."""
    body = line.strip("\n").lstrip()
    lang = language_named("python")
    assert lang is not None
    root = parse(lang, body).root_node
    nodes: list[ts.Node] = []
    stack = [root]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(reversed(node.children))
    return body, nodes


def _rebuilt(line: str, body: str) -> str:
    return line[: len(line) - len(line.lstrip())] + body + "\n"


def break_syntax(line: str) -> str:
    """The last real `)` removed, or a stray `)` added before any comment."""
    body, nodes = _tokens(line)
    closers = [n for n in nodes if n.type == ")" and not n.is_missing]
    if closers:
        at = closers[-1].start_byte
        return _rebuilt(line, body[:at] + body[at + 1 :])
    comments = [n.start_byte for n in nodes if n.type == "comment"]
    end = min(comments, default=len(body))
    return _rebuilt(line, body[:end].rstrip() + " )" + body[end:])


def rename_callee(line: str, is_member: bool) -> str | None:
    """The first call's callee renamed to a name that exists nowhere (`name_xqz`)."""
    body, nodes = _tokens(line)
    for node in nodes:
        callee = node.child_by_field_name("function") if node.type == "call" else None
        if callee is None:
            continue
        if is_member and callee.type == "attribute":
            target = callee.child_by_field_name("attribute")
        elif not is_member and callee.type == "identifier":
            target = callee
        else:
            continue
        if target is None:
            continue
        end = target.end_byte
        return _rebuilt(line, body[:end] + "_xqz" + body[end:])
    return None


def fake_import(line: str, index: int) -> str:
    indent = line[: len(line) - len(line.lstrip())]
    name = FAKE_PACKAGES[index % len(FAKE_PACKAGES)]
    assert importlib.util.find_spec(name) is None, f"{name} is installed; pick another fake name"
    if index % 2:
        return f"{indent}from {name} import client\n"
    return f"{indent}import {name}\n"


def break_arity(hole: Hole, view: IndexView) -> str | None:
    """The line with one call given too many arguments, for a callee with a known signature."""
    lang = language_named("python")
    assert lang is not None
    body, nodes = _tokens(hole.middle)
    for node in nodes:
        callee = node.child_by_field_name("function") if node.type == "call" else None
        arguments = node.child_by_field_name("arguments")
        if callee is None or callee.type != "identifier" or arguments is None:
            continue
        if any("splat" in a.type for a in arguments.named_children):
            continue
        name = body[callee.start_byte : callee.end_byte]
        symbols = [
            s for s in view.definitions(name) if s.kind == "function" and s.container is None
        ]
        in_file = len(re.findall(rf"^def {re.escape(name)}\(", hole.prefix + hole.suffix, re.M))
        if len(symbols) != 1 or in_file > 1:
            continue
        params = params_from_signature(symbols[0].signature, lang)
        if params is None or params.has_var_positional:
            continue
        at = arguments.start_byte + 1
        extra = "None, " * (len(params.positional) + 1)
        if not arguments.named_children:
            extra = extra.rstrip(", ")
        return _rebuilt(hole.middle, body[:at] + extra + body[at:])
    return None


def percent(hits: int, total: int) -> str:
    return f"{100 * hits / total:5.1f}% ({hits}/{total})" if total else "  n/a"


def measure_quality(holes: list[Hole], views: dict[str, IndexView]) -> None:
    n_true = n_false_rejections = n_any_problem = 0
    caught: Counter[str] = Counter()
    tried: Counter[str] = Counter()
    false_kinds: Counter[str] = Counter()
    for index, hole in enumerate(holes):
        view = view_for(views, hole.path)
        problems = problems_of(hole, hole.middle, view)
        n_true += 1
        n_any_problem += bool(problems)
        if is_dropped(problems):
            n_false_rejections += 1
            false_kinds.update(p.kind for p in problems)
        mutants: list[tuple[str, str | None]] = [
            ("syntax", break_syntax(hole.middle)),
            ("unknown-symbol (f(...))", rename_callee(hole.middle, is_member=False)),
            ("unknown-symbol (x.f(...))", rename_callee(hole.middle, is_member=True)),
            ("unknown-dependency", fake_import(hole.middle, index)),
            ("arity", break_arity(hole, view)),
        ]
        for label, mutant in mutants:
            if mutant is None:
                continue
            tried[label] += 1
            kind = label.split(" ", 1)[0]
            caught[label] += any(p.kind == kind for p in problems_of(hole, mutant, view))
    print(
        f"true completions: false rejections {percent(n_false_rejections, n_true)}, "
        f"any problem {percent(n_any_problem, n_true)}"
    )
    if false_kinds:
        print(f"  false rejections by kind: {dict(false_kinds)}")
    for label in tried:
        print(f"recall {label:<28} {percent(caught[label], tried[label])}")
    symbol_labels = [label for label in tried if label.startswith("unknown-symbol")]
    n_caught = sum(caught[label] for label in symbol_labels)
    n_tried = sum(tried[label] for label in symbol_labels)
    print(f"recall {'unknown-symbol (all)':<28} {percent(n_caught, n_tried)}")


def measure_cost(views: dict[str, IndexView], n_holes: int) -> None:
    client = package_dir("httpx")
    if client is None:
        print("cost: httpx is not installed; skipped")
        return
    path = client / "_client.py"
    holes = sample_holes("single", n_holes, seed=11, files=[path])
    view = view_for(views, path)
    timings: dict[str, list[float]] = {
        "wall cold": [],
        "wall warm": [],
        "cpu cold": [],
        "cpu warm": [],
    }
    n_lines = path.read_text(encoding="utf-8").count("\n")
    # Once per process, the first use of a package or module reads its names; run once so
    # the numbers below are the steady state of a running server.
    started = time.perf_counter()
    for hole in holes[:3]:
        problems_of(hole, rename_callee(hole.middle, is_member=True) or hole.middle, view)
    print(f"first use of the file's imported packages: {time.perf_counter() - started:.2f} s")
    for index, hole in enumerate(holes):
        candidates = [hole.middle, break_syntax(hole.middle), fake_import(hole.middle, index)]
        renamed = rename_callee(hole.middle, is_member=False)
        if renamed is not None:
            candidates.append(renamed)
        for position, text in enumerate(candidates):
            started, started_cpu = time.perf_counter(), time.thread_time()
            problems_of(hole, text, view)
            state = "cold" if position == 0 else "warm"
            timings[f"wall {state}"].append((time.perf_counter() - started) * 1000)
            timings[f"cpu {state}"].append((time.thread_time() - started_cpu) * 1000)
    print(
        f"cost on httpx/_client.py ({n_lines} lines), ms per candidate; cold: the first "
        "candidate after the document changed (parses the window), warm: the next ones; "
        "cpu: this thread's CPU time (what a quiet machine's wall time would be)"
    )
    for clock in ("wall", "cpu"):
        every = timings[f"{clock} cold"] + timings[f"{clock} warm"]
        for label, values in (
            ("cold", timings[f"{clock} cold"]),
            ("warm", timings[f"{clock} warm"]),
            ("all", every),
        ):
            values = sorted(values)
            p95 = values[int(0.95 * (len(values) - 1))]
            median = statistics.median(values)
            print(f"  {clock} {label:<5} n={len(values):<4} p50 {median:6.2f}  p95 {p95:6.2f}")


async def measure_llm(n_holes: int, directory: Path) -> None:
    """ToolGen's two metrics on what the real pipeline returns with the embedded SmolLM2
    model (llama.cpp through xllamacpp), validation off and on.

    Each hole is completed once with validation off; "on" applies the same `judge` the
    pipeline applies, to the same text, so sampling noise does not differ between the two.
    Static Validity Rate: the share of returned suggestions without any problem.
    Dependency Coverage: the share of the repository names the true line uses (names the
    index defines) that a returned suggestion uses too.
    """
    import dataclasses

    from context.backends import make_backend
    from context.pipeline import CompletionRequest, Engine, complete
    from context.settings import Settings
    from context.validation.policy import judge
    from context.workspace import Workspace

    root = package_dir("httpx")
    if root is None:
        print("llm: httpx is not installed; skipped")
        return
    settings = Settings()
    settings = dataclasses.replace(
        settings,
        model=dataclasses.replace(settings.model, timeout_ms=120_000, max_tokens=48),
        context=dataclasses.replace(settings.context, max_prompt_tokens=512),
        validation=dataclasses.replace(settings.validation, enabled=False),
    )
    workspace = Workspace(root, settings.index, db_path=directory / "llm.db")
    await workspace.index(None)
    view = IndexView(workspace.store)
    backend = make_backend(settings.model, root=root)
    engine = Engine(settings=settings, backend=backend, workspace=workspace, root=root)
    holes = sample_holes("single", n_holes, seed=5, files=sorted(root.rglob("*.py")))
    returned = {"off": 0, "on": 0}
    valid = {"off": 0, "on": 0}
    covered = {"off": 0, "on": 0}
    n_dependencies = n_failures = 0
    started = time.perf_counter()
    try:
        for hole in holes:
            document = Document(
                hole.path.as_uri(), hole.prefix + hole.suffix, "python", path=hole.path
            )
            result = await complete(engine, CompletionRequest(document, hole.offset))
            if result.error is not None or not result.suggestions:
                n_failures += result.error is not None
                continue
            dependencies = {
                name for name in re.findall(r"[A-Za-z_]\w*", hole.middle) if view.definitions(name)
            }
            n_dependencies += len(dependencies)
            text = result.suggestions[0].text
            judged = judge(document, hole.offset, text, view, SETTINGS)
            for label, candidate in (("off", text), ("on", judged.text)):
                if candidate is None or not candidate.strip():
                    continue
                returned[label] += 1
                valid[label] += not validate(document, hole.offset, candidate, view, SETTINGS)
                covered[label] += len(dependencies & set(re.findall(r"[A-Za-z_]\w*", candidate)))
    finally:
        await backend.aclose()
        await workspace.close() if asyncio.iscoroutinefunction(
            workspace.close
        ) else workspace.close()
    elapsed = time.perf_counter() - started
    print(
        f"llm (embedded SmolLM2-135M, {len(holes)} holes in httpx, {elapsed:.0f} s, "
        f"{n_failures} backend errors):"
    )
    for label in ("off", "on"):
        print(
            f"  validation {label:<3}: returned {returned[label]:>3}, "
            f"static validity {percent(valid[label], returned[label])}, "
            f"dependency coverage {percent(covered[label], n_dependencies)}"
        )


def main() -> None:
    """Print false rejections, recall per kind and the cost per candidate."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer holes")
    parser.add_argument(
        "--llm", action="store_true", help="also measure the real model's suggestions (minutes)"
    )
    args = parser.parse_args()
    n_holes, n_cost = (150, 20) if args.quick else (1000, 100)
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        views = index_views(Path(directory))
        print(f"indexed {', '.join(PACKAGES)} in {time.perf_counter() - started:.1f} s")
        measure_quality(sample_holes("single", n_holes), views)
        measure_cost(views, n_cost)
        if args.llm:
            asyncio.run(measure_llm(10 if args.quick else 40, Path(directory)))
        for view in views.values():
            view.store.close()


if __name__ == "__main__":
    main()
