"""Indexing benchmark: cold index throughput beside raw tree-sitter parsing, incremental
updates, and peak memory.

Cases:

1. The CPython standard library of this interpreter (`sysconfig.get_paths()["stdlib"]`,
   about 1,790 .py files and 31 MB once site-packages is left out, as the crawler does).
2. A generated 10,000-file tree (Python, TypeScript and Go modules with classes, methods
   and imports between them), created under a temporary directory.

For each, the baseline is the raw parse: `Parser.parse` of every file's bytes, already in
memory, on one core; it is the floor any indexer that parses every file must pay. The cold
index (`Workspace.refresh` on an empty database: crawl, ignore rules, read, hash, parse,
extract definitions and imports, resolve imports, write SQLite) is printed beside it, once
with the default worker processes and once all in one thread.

For the stdlib, where the CPU goes is printed next, stage by stage (each timed alone in one
thread, through the functions the indexer calls): reading, hashing, parsing, the index
query, building rows, resolving imports, writing SQLite.

Then: the incremental update of an open 2,000-line file after one edit
(`Workspace.change_document`: incremental re-parse, extraction, one transaction), and the
peak RSS of a process that indexes the 10,000-file tree (the indexing process itself and,
separately, its largest worker process).

Today's indexer, in the same run (`--baseline REF`, default the main commit c9a3e48;
`none` skips it): the stdlib is indexed cold in a fresh process by this tree and by the
baseline commit's tree (`benchmarks.baseline`), alternately, and the rows both leave (files,
symbols, imports, without their ids) must be identical: a speed-up may not change what the
index holds.

Targets: a cold index at >= 500 files/s or within 1.5x the raw parse time (issue 12),
incremental update <= 20 ms, peak RSS <= 200 MB. `--quick` shrinks every case for a smoke
test. The machine may be shared: compare the ratios measured in the same run, CPU time
beside wall time, and read the load average printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import tree_sitter as ts

from benchmarks.baseline import BASELINE, REPO, environment_for, extract_baseline
from context.document import Document, TextChange
from context.ignore import IgnoreRules
from context.index.records import FileRecord, ResolvedImport, content_hash, default_resolver
from context.languages import index_query, language_for_path
from context.syntax import MAX_DEFINITION_DEPTH, extract_all, parse

# The index's worker processes import this module again as their `__main__`, as `spawn`
# does. `fillin serve`'s main module is light, so the workspace, the store (sqlite_utils,
# which imports numpy when it is installed) and the settings are imported where they are
# used: otherwise every worker here would pay half a second that it never pays there.

TARGET_RATIO = 1.5
TARGET_FILES_PER_S = 500.0
TARGET_INCREMENTAL_MS = 20.0
TARGET_RSS_MB = 200.0


def main(argv: Sequence[str] | None = None) -> None:
    """Run every case and print its numbers."""
    parser = argparse.ArgumentParser(prog="bench_index", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small cases, for a smoke test")
    parser.add_argument(
        "--baseline",
        default=BASELINE,
        help="the commit whose indexer is today's behaviour (`none`: skip it)",
    )
    parser.add_argument("--child-index", nargs=2, metavar=("ROOT", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_index:
        _child_index(Path(args.child_index[0]), Path(args.child_index[1]))
        return
    quick = bool(args.quick)
    n_generated = 1_000 if quick else 10_000
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f}, stdlib at {stdlib}"
    )
    with tempfile.TemporaryDirectory(prefix="fillin-bench-index-") as tmp:
        work = Path(tmp)
        generated = work / "generated"
        started = time.perf_counter()
        _generate_tree(generated, n_generated)
        print(f"generated {n_generated} files in {time.perf_counter() - started:.1f} s")
        # First, while this process is small: a child's peak RSS starts from its parent's
        # (Linux keeps the high-water mark across exec).
        _peak_rss(generated, work)
        _throughput("CPython stdlib", stdlib, work, limit=300 if quick else None)
        _phases(stdlib, work, limit=300 if quick else None)
        if args.baseline != "none":
            _against_baseline(args.baseline, stdlib, work, n_runs=1 if quick else 2)
        _throughput(f"generated {n_generated}-file tree", generated, work, limit=None)
        _incremental(work, n_edits=10 if quick else 60)


def _throughput(label: str, root: Path, work: Path, *, limit: int | None) -> None:
    """Print raw parse throughput and cold index throughput (workers, then one thread).

    Wall time is what a user waits; CPU time (this process and its workers) shows the
    work done, which stays comparable when other processes share the machine. The first
    cold index takes the default number of workers (see `context.index.indexer`), which
    its row names.
    """
    from context.index.indexer import Indexer
    from context.settings import IndexSettings
    from context.workspace import Workspace

    settings = IndexSettings(max_files=limit or IndexSettings().max_files)
    files = list(IgnoreRules(root, settings).walk())
    blobs = [(language_for_path(f.rel_path), f.path.read_bytes()) for f in files]
    n_bytes = sum(len(data) for _, data in blobs)
    started, cpu_started = time.perf_counter(), _cpu_s()
    for lang, data in blobs:
        assert lang is not None
        parse(lang, data)
    raw = _Timing(time.perf_counter() - started, _cpu_s() - cpu_started)
    del blobs
    print(f"\n{label}: {len(files)} files, {n_bytes / 1e6:.1f} MB")
    _row("raw parse (1 core)", len(files), n_bytes, raw, None)
    known = frozenset(f.rel_path for f in files)
    for name, n_workers in (("cold index (default)", None), ("cold index (1 thread)", 0)):
        db = work / f"{label.replace(' ', '-')}-{n_workers}.sqlite3"
        workspace = Workspace(root, settings, db_path=db)
        try:
            resolver = default_resolver(workspace.root, settings.include_dirs, known.__contains__)
            indexer = Indexer(
                workspace.store, workspace.rules, resolver=resolver, n_workers=n_workers
            )
            started, cpu_started = time.perf_counter(), _cpu_s()
            stats = indexer.refresh()
            timing = _Timing(time.perf_counter() - started, _cpu_s() - cpu_started)
        finally:
            workspace.close()
        if n_workers is None:
            name = f"cold index ({stats.n_workers or 'no'} workers)"
        _row(name, stats.n_parsed, stats.n_bytes, timing, raw)
        print(f"  {'':24} {stats.n_symbols} symbols")


def _phases(root: Path, work: Path, *, limit: int | None) -> None:
    """Print where a cold index's CPU goes, stage by stage, on `_throughput`'s files.

    Each stage is timed alone, in this thread, through the functions the indexer calls
    (the crawl and the per-file bookkeeping between stages are left out, so the stages add
    up to less than the cold index above): reading, hashing, parsing, the index query (its
    walk of the tree and the match objects it hands back), building definitions and imports
    from the matches (`extract_all` less the query, which it repeats), resolving imports, and
    writing SQLite in `BATCH_FILES` batches.
    """
    from context.index.indexer import BATCH_FILES
    from context.index.store import IndexStore
    from context.settings import IndexSettings

    settings = IndexSettings(max_files=limit or IndexSettings().max_files)
    files = list(IgnoreRules(root, settings).walk())
    resolver = default_resolver(
        root.resolve(), settings.include_dirs, frozenset(f.rel_path for f in files).__contains__
    )
    spent = dict.fromkeys(("read", "hash", "parse", "query", "rows", "resolve", "write"), 0.0)
    records: list[FileRecord] = []
    for crawled in files:
        lang = language_for_path(crawled.rel_path)
        assert lang is not None
        started = time.process_time()
        data = crawled.path.read_bytes()
        read = time.process_time()
        digest = content_hash(data)
        hashed = time.process_time()
        tree = parse(lang, data)
        parsed = time.process_time()
        cursor = ts.QueryCursor(index_query(lang))
        cursor.set_max_start_depth(MAX_DEFINITION_DEPTH)
        cursor.matches(tree.root_node)
        walked = time.process_time()
        definitions, statements = extract_all(lang, tree, data)
        extracted = time.process_time()
        imports = [
            ResolvedImport(s, *resolver(crawled.rel_path, s, lang.name))
            if resolver
            else ResolvedImport(s)
            for s in statements
        ]
        resolved = time.process_time()
        spent["read"] += read - started
        spent["hash"] += hashed - read
        spent["parse"] += parsed - hashed
        spent["query"] += walked - parsed
        spent["rows"] += max(0.0, (extracted - walked) - (walked - parsed))
        spent["resolve"] += resolved - extracted
        records.append(
            FileRecord(crawled.rel_path, lang.name, len(data), digest, 0, definitions, imports)
        )
    store = IndexStore(root, work / "phases.sqlite3")
    try:
        for i in range(0, len(records), BATCH_FILES):
            started = time.process_time()
            store.replace_files(records[i : i + BATCH_FILES])
            spent["write"] += time.process_time() - started
    finally:
        store.close()
    parse_s = spent["parse"]
    print(
        f"  where a cold index's CPU goes ({len(files)} files), each stage timed alone, one thread:"
    )
    for stage, seconds in spent.items():
        share = f"{seconds / parse_s:5.2f}x the parse" if parse_s else ""
        print(f"    {stage:<12} {seconds:6.3f} s  {share}")
    overhead = sum(spent.values()) - parse_s
    print(
        f"    {'all but parse':<12} {overhead:6.3f} s  "
        f"{overhead / parse_s if parse_s else 0:5.2f}x the parse  load {os.getloadavg()[0]:.1f}"
    )


@dataclass(frozen=True)
class _Timing:
    wall_s: float
    cpu_s: float


def _cpu_s() -> float:
    """CPU seconds used so far by this process and its finished worker processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _row(name: str, n_files: int, n_bytes: int, timing: _Timing, raw: _Timing | None) -> None:
    seconds = timing.wall_s
    files_per_s = n_files / seconds if seconds else 0.0
    line = (
        f"  {name:<24} {seconds:7.2f} s wall {timing.cpu_s:7.2f} s CPU  "
        f"{files_per_s:6.0f} files/s  {n_bytes / 1e6 / seconds if seconds else 0:5.1f} MB/s"
    )
    if raw is not None:
        ratio = seconds / raw.wall_s if raw.wall_s else 0.0
        cpu_ratio = timing.cpu_s / raw.cpu_s if raw.cpu_s else 0.0
        verdict = "ok" if ratio <= TARGET_RATIO or files_per_s >= TARGET_FILES_PER_S else "MISS"
        line += (
            f"  {ratio:4.2f}x raw parse wall ({cpu_ratio:4.2f}x CPU)"
            f"  [{verdict}: <= {TARGET_RATIO}x or >= {TARGET_FILES_PER_S:.0f} files/s]"
        )
    # The machine may be shared: each row says how busy it was when the row finished.
    print(f"{line}  load {os.getloadavg()[0]:.1f}")


def _incremental(work: Path, *, n_edits: int) -> None:
    """Time `change_document` per keystroke in an open 2,000-line Python file.

    Two kinds of keystrokes: renaming identifiers one character at a time (the code stays
    valid), and typing new statements into method bodies as in an editor (Enter, which
    auto-indents, then one character at a time with brackets auto-closed; the code is
    broken until the line is complete). An unclosed bracket (no auto-closing) can make
    tree-sitter re-parse the rest of the file once, at about a full parse's cost.
    """
    from context.settings import IndexSettings
    from context.workspace import Workspace

    root = work / "incremental"
    root.mkdir()
    path = root / "big_module.py"
    text = _python_module(0, n_lines=2_000, n_modules=1)
    path.write_text(text)
    workspace = Workspace(root, IndexSettings(), db_path=work / "incremental.sqlite3")
    rng = random.Random(7)
    timings: dict[str, list[float]] = {"rename": [], "typing": []}
    try:
        workspace.refresh()
        document = Document(path.as_uri(), text, "python", 1, path)
        workspace.open_document(document)
        for kind, n in (("rename", n_edits), ("typing", n_edits)):
            done = 0
            while done < n:
                if kind == "rename":
                    # Insert one character into a method name.
                    offset = document.text.index(
                        "def handle_", rng.randrange(len(document.text) // 2)
                    )
                    keystrokes = [(offset + len("def handle_"), "z")]
                else:
                    # Press Enter after a statement (the editor indents the new line), then
                    # type a statement one character at a time; "(" inserts "()" and ")"
                    # only steps over it, as editors' bracket auto-closing does.
                    end_of_line = document.text.index(
                        "        total = 0\n", rng.randrange(len(document.text) // 2)
                    ) + len("        total = 0")
                    keystrokes = [(end_of_line, "\n        ")]
                    at = end_of_line + len("\n        ")
                    for char in "total += len(self.name)":
                        if char != ")":
                            keystrokes.append((at, "()" if char == "(" else char))
                        at += 1
                for offset, char in keystrokes:
                    change = TextChange(offset, offset, char)
                    document = document.with_text(
                        change.apply(document.text), (document.version or 0) + 1
                    )
                    started = time.perf_counter()
                    workspace.change_document(document, [change])
                    timings[kind].append((time.perf_counter() - started) * 1000)
                    done += 1
        n_lines = document.n_lines
        n_symbols = workspace.store.symbol_count()
    finally:
        workspace.close()
    print(
        f"\nincremental update of an open {n_lines}-line file ({n_symbols} symbols), per keystroke:"
    )
    for kind, values in timings.items():
        p50 = statistics.median(values)
        p95 = sorted(values)[int(0.95 * (len(values) - 1))]
        verdict = "ok" if p95 <= TARGET_INCREMENTAL_MS else "MISS"
        print(
            f"  {kind:<8} {len(values):4} keystrokes: p50 {p50:5.1f} ms  p95 {p95:5.1f} ms  "
            f"max {max(values):5.1f} ms  [{verdict}: p95 <= {TARGET_INCREMENTAL_MS:.0f} ms]"
        )


def _against_baseline(ref: str, root: Path, work: Path, *, n_runs: int) -> None:
    """Index `root` cold in fresh processes, this tree's and `ref`'s in turn; print their
    times and whether the rows they leave are identical."""
    baseline = work / "baseline"
    commit = extract_baseline(ref, baseline)
    trees = {"this tree": REPO, f"today ({commit[:7]})": baseline}
    timings: dict[str, list[_Timing]] = {name: [] for name in trees}
    dbs: dict[str, Path] = {}
    n_files: dict[str, int] = {}
    for run in range(n_runs):
        for name, tree in trees.items():
            db = dbs[name] = work / f"against-{run}-{tree.name}.sqlite3"
            started, cpu_started = time.perf_counter(), _cpu_s()
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.bench_index",
                    "--child-index",
                    str(root),
                    str(db),
                ],
                check=True,
                capture_output=True,
                text=True,
                cwd=tree,
                env=environment_for(tree),
            ).stdout
            timings[name].append(_Timing(time.perf_counter() - started, _cpu_s() - cpu_started))
            n_files[name] = int(json.loads(out.strip().splitlines()[-1])["n_files"])
    print(f"\ncold index of the stdlib in a fresh process (workers), best of {n_runs}:")
    for name, values in timings.items():
        timing = min(values, key=lambda t: t.wall_s)
        print(
            f"  {name:<24} {timing.wall_s:7.2f} s wall {timing.cpu_s:7.2f} s CPU  "
            f"{n_files[name] / timing.wall_s:6.0f} files/s  (process start included)"
        )
    print(f"  load average after the runs {os.getloadavg()[0]:.1f}")
    ours, theirs = dbs.values()
    differences = _row_differences(ours, theirs)
    counts = ", ".join(f"{n} {table}" for table, (n, _, _) in differences.items())
    same = all(not extra and not missing for _, extra, missing in differences.values())
    print(f"  rows left by both: {'identical' if same else 'DIFFERENT'} ({counts})")
    for table, (_, extra, missing) in differences.items():
        if extra or missing:
            print(f"    {table}: only here {extra[:3]}, only today {missing[:3]}")


# Every row of an index, ids replaced by paths: what two indexers must agree on.
_ROWS = {
    "files": "SELECT path, language, size, hash FROM {db}.files",
    "symbols": (
        "SELECT f.path, s.name, s.kind, s.container, s.start_line, s.end_line, s.signature, "
        "s.doc FROM {db}.symbols s JOIN {db}.files f ON f.id = s.file_id"
    ),
    "imports": (
        "SELECT f.path, i.line, i.module, i.names, i.alias, i.kind, i.resolved_path, i.package "
        "FROM {db}.imports i JOIN {db}.files f ON f.id = i.file_id"
    ),
}


def _row_differences(
    ours: Path, theirs: Path
) -> dict[str, tuple[int, list[tuple[object, ...]], list[tuple[object, ...]]]]:
    """Per table: our row count, rows only ours has, rows only theirs has (counted as
    multisets, compared inside SQLite so that no table is held in this process)."""
    conn = sqlite3.connect(ours)
    try:
        conn.execute("ATTACH DATABASE ? AS theirs", (str(theirs),))
        found = {}
        for table, select in _ROWS.items():
            mine, other = select.format(db="main"), select.format(db="theirs")
            counted = "SELECT *, count(*) FROM ({}) GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"
            if table == "files":
                counted = "SELECT *, count(*) FROM ({}) GROUP BY 1, 2, 3, 4"
            n_rows = conn.execute(f"SELECT count(*) FROM ({mine})").fetchone()[0]
            extra = conn.execute(
                f"{counted.format(mine)} EXCEPT {counted.format(other)} LIMIT 10"
            ).fetchall()
            missing = conn.execute(
                f"{counted.format(other)} EXCEPT {counted.format(mine)} LIMIT 10"
            ).fetchall()
            found[table] = (int(n_rows), extra, missing)
        return found
    finally:
        conn.close()


def _peak_rss(root: Path, work: Path) -> None:
    """Index `root` in a fresh process and print its peak RSS and its workers'."""
    db = work / "rss.sqlite3"
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_index", "--child-index", str(root), str(db)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    verdict = "ok" if result["self_mb"] <= TARGET_RSS_MB else "MISS"
    print(
        f"\npeak RSS indexing {result['n_files']} files ({result['n_symbols']} symbols): "
        f"{result['self_mb']:.0f} MB in the indexing process, largest worker "
        f"{result['children_mb']:.0f} MB  [{verdict}: <= {TARGET_RSS_MB:.0f} MB]"
    )


def _child_index(root: Path, db: Path) -> None:
    """The `--child-index` mode: index `root` cold and print peak RSS as JSON."""
    from context.settings import IndexSettings
    from context.workspace import Workspace

    workspace = Workspace(root, IndexSettings(), db_path=db)
    try:
        stats = workspace.refresh()
    finally:
        workspace.close()
    kib = 1024 if sys.platform != "darwin" else 1024 * 1024
    print(
        json.dumps(
            {
                "n_files": stats.n_files,
                "n_symbols": stats.n_symbols,
                "self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / kib,
                "children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / kib,
            }
        )
    )


def _generate_tree(root: Path, n_files: int) -> None:
    """A tree of `n_files` modules: 60% Python, 20% TypeScript, 20% Go, in 100 packages."""
    for i in range(n_files):
        package = f"pkg{i % 100:02}"
        kind = i % 5
        if kind < 3:
            path = root / package / f"mod{i}.py"
            text = _python_module(i, n_lines=110, n_modules=n_files)
        elif kind == 3:
            path = root / "web" / package / f"mod{i}.ts"
            text = _typescript_module(i, n_files)
        else:
            path = root / "svc" / package / f"mod{i}.go"
            text = _go_module(i, package)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for package_dir in root.iterdir():
        if package_dir.name.startswith("pkg"):
            (package_dir / "__init__.py").write_text('"""A generated package."""\n')


def _python_module(i: int, *, n_lines: int, n_modules: int) -> str:
    """A Python module of about `n_lines` lines: imports, a class with methods, functions."""
    # Import a class of another generated Python module (indexes 0, 1, 2 modulo 5).
    other = (i * 7 + 3) % max(n_modules, 1) // 5 * 5
    lines = [
        f'"""Generated module {i}."""',
        "",
        "from __future__ import annotations",
        "",
        "import json",
        f"from pkg{other % 100:02}.mod{other} import Service{other}",
        "",
        f"LIMIT_{i} = {i}",
        "",
    ]
    n_class = 0
    while len(lines) < n_lines:
        lines += [
            "",
            f"class Service{i}x{n_class}:",
            f'    """Serves requests of kind {n_class}."""',
            "",
            "    def __init__(self, name: str, limit: int = 10) -> None:",
            "        self.name = name",
            "        self.limit = limit",
            "",
        ]
        for m in range(4):
            lines += [
                f"    def handle_{m}(self, payload: dict[str, int], retries: int = 3) -> int:",
                f'        """Handle one payload, variant {m}."""',
                "        total = 0",
                "        for key, value in payload.items():",
                "            if value > self.limit:",
                "                total += len(json.dumps({key: value}))",
                "        return total + retries",
                "",
            ]
        lines += [
            "",
            f"def helper_{i}_{n_class}(items: list[int], factor: float = 1.5) -> float:",
            '    """Scale and sum."""',
            "    return sum(x * factor for x in items)",
        ]
        n_class += 1
    lines.append(f"Service{i} = Service{i}x0")
    return "\n".join(lines[:n_lines] if n_lines > 200 else lines) + "\n"


def _typescript_module(i: int, n_modules: int) -> str:
    other = (i * 11 + 1) % n_modules
    return f"""import {{ helper{other} }} from "../pkg{other % 100:02}/mod{other}";
import axios from "axios";

/** A record of module {i}. */
export interface Record{i} {{
  id: number;
  name: string;
  tags: string[];
}}

export type Id{i} = number;

/** Keeps records of module {i}. */
export class Store{i} {{
  private items: Map<Id{i}, Record{i}> = new Map();

  add(record: Record{i}): void {{
    this.items.set(record.id, record);
  }}

  find(id: Id{i}): Record{i} | undefined {{
    return this.items.get(id);
  }}

  async load(url: string): Promise<number> {{
    const response = await axios.get(url);
    for (const raw of response.data) {{
      this.add(raw as Record{i});
    }}
    return this.items.size;
  }}
}}

export function helper{i}(values: number[], scale = 2): number {{
  return values.reduce((sum, v) => sum + v * scale, 0);
}}

export const double{i} = (x: number): number => x * 2;
"""


def _go_module(i: int, package: str) -> str:
    return f"""package {package}

import (
\t"errors"
\t"fmt"
)

// Item{i} is one item of module {i}.
type Item{i} struct {{
\tID    string
\tName  string
\tPrice float64
}}

// Store{i} keeps items.
type Store{i} struct {{
\titems map[string]Item{i}
}}

// NewStore{i} returns an empty store.
func NewStore{i}() *Store{i} {{
\treturn &Store{i}{{items: make(map[string]Item{i})}}
}}

// Get returns the item with the given id.
func (s *Store{i}) Get(id string) (Item{i}, error) {{
\titem, ok := s.items[id]
\tif !ok {{
\t\treturn Item{i}{{}}, errors.New("not found")
\t}}
\treturn item, nil
}}

// Describe formats an item.
func (s *Store{i}) Describe(id string) string {{
\titem, err := s.Get(id)
\tif err != nil {{
\t\treturn err.Error()
\t}}
\treturn fmt.Sprintf("%s: %.2f", item.Name, item.Price)
}}
"""


if __name__ == "__main__":
    main()
