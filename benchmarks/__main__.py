"""Run every benchmark module `benchmarks/bench_*.py` in turn and print its numbers.

Usage: `python -m benchmarks [--quick] [NAME ...]`, where NAME is a module's topic
(`server` for bench_server.py). Each module runs in its own process so that one benchmark's
memory and caches never colour another's numbers.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run the selected benchmarks; returns non-zero if any of them failed to run."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs, for a smoke test")
    parser.add_argument("names", nargs="*", help="topics to run (default: all)")
    args = parser.parse_args()
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if args.names:
        modules = [m for m in modules if m.removeprefix("bench_") in args.names]
    failed = []
    for module in modules:
        print(f"\n=== {module} ===", flush=True)
        started = time.perf_counter()
        cmd = [sys.executable, "-m", f"benchmarks.{module}"] + (["--quick"] if args.quick else [])
        status = subprocess.call(cmd, cwd=HERE.parent)
        print(f"--- {module}: {time.perf_counter() - started:.1f} s, exit {status}", flush=True)
        if status != 0:
            failed.append(module)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
