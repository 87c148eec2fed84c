"""Post-processing benchmark: how often an over-generating model's output is cut back to
exactly the true middle.

The stand-in for the model writes the true middle and then keeps writing what follows it in
the file (as a model does when nothing stops it), streamed in 4-character pieces. Sets:
HumanEval-Infilling single-line and multi-line (OpenAI, MIT; ../shared/data), and holes cut
in installed packages' source trees (`benchmarks.holes`: httpx, pygls, cattrs, pathspec).
Every set is post-processed as multi-line text: the rules, not the line mode, must find
the end. This bypasses the line mode, the prompt, the backend and validation; the figure a
user meets, through `fillin serve` and placement by placement (blank line, indented line,
column 0 and indentation of a line of code), is bench_placement's. Methods, measured in the
same run:

- fillin: `StreamFilter` + `finish` (context.postprocess.stop_rules);
- none: the raw output;
- first blank line: the output up to its first blank line;
- indentation: the output up to the first line indented less than its first line.

Also printed: the share of the over-generated text the stream filter read before it
stopped the stream, and the time per suggestion. Targets: >= 95% single-line, >= 85%
multi-line exact match.

Usage: `python -m benchmarks.bench_postprocess [--quick]`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.holes import sample_holes
from context.postprocess.stop_rules import StopContext, StreamFilter, finish

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "humaneval-infilling"
PIECE_CHARS = 4
OVERGENERATED_LINES = 40
"""How far past the middle the stand-in writes (a model's token limit)."""


@dataclass(frozen=True)
class Task:
    prefix: str
    middle: str
    suffix: str

    @property
    def output(self) -> str:
        """What the over-generating stand-in writes: the middle, then the file goes on."""
        return self.middle + "\n".join(self.suffix.split("\n")[:OVERGENERATED_LINES])


def humaneval(name: str, every: int) -> list[Task]:
    path = DATA / f"HumanEval-{name}Infilling.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for index, line in enumerate(lines) if index % every == 0]
    return [Task(r["prompt"], r["canonical_solution"], r["suffix"]) for r in rows]


def package_holes(kind: str, n_holes: int) -> list[Task]:
    return [Task(h.prefix, h.middle, h.suffix) for h in sample_holes(kind, n_holes)]


def fillin(task: Task) -> tuple[str, float]:
    """Post-process as the pipeline does; also the share of the output read."""
    ctx = StopContext(task.prefix, task.suffix, "python", True, ("<|endoftext|>",), 60)
    stream_filter = StreamFilter(ctx)
    output = task.output
    n_read = 0
    for start in range(0, len(output), PIECE_CHARS):
        piece = output[start : start + PIECE_CHARS]
        n_read += len(piece)
        if stream_filter.feed(piece):
            break
    stream_filter.close()
    return finish(ctx, stream_filter.text).text, n_read / max(1, len(output))


def no_postprocessing(task: Task) -> str:
    return task.output


def first_blank_line(task: Task) -> str:
    output = task.output
    at = output.find("\n\n")
    return output if at == -1 else output[: at + 1]


def indentation_only(task: Task) -> str:
    lines = task.output.split("\n")
    first = next((line for line in lines if line.strip()), "")
    indent = len(first) - len(first.lstrip())
    kept: list[str] = []
    for index, line in enumerate(lines):
        if index and line.strip() and len(line) - len(line.lstrip()) < indent:
            return "".join(k + "\n" for k in kept).rstrip() + "\n"
        kept.append(line)
    return "\n".join(kept)


BASELINES: dict[str, Callable[[Task], str]] = {
    "none": no_postprocessing,
    "first blank line": first_blank_line,
    "indentation": indentation_only,
}


def measure(name: str, tasks: list[Task]) -> None:
    n = len(tasks)
    started = time.perf_counter()
    results = [fillin(t) for t in tasks]
    per_task_ms = (time.perf_counter() - started) * 1000 / max(1, n)
    exact = sum(text == t.middle for (text, _), t in zip(results, tasks, strict=True))
    read = statistics.mean(share for _, share in results) if results else 0.0
    row = [f"{name:<28} n={n:<5} fillin {100 * exact / n:5.1f}%"]
    for label, baseline in BASELINES.items():
        hits = sum(baseline(t) == t.middle for t in tasks)
        row.append(f"{label} {100 * hits / n:5.1f}%")
    print("  ".join(row))
    print(f"{'':<28} read {100 * read:4.1f}% of the over-generated text, {per_task_ms:.2f} ms/task")


def main() -> None:
    """Print exact-match rates for every set and method."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small sample of each set")
    args = parser.parse_args()
    every_single, every_multi, n_holes = (10, 50, 100) if args.quick else (1, 1, 1000)
    print("exact match after post-processing (baselines in the same run)")
    measure("HumanEval single-line", humaneval("SingleLine", every_single))
    measure("HumanEval multi-line", humaneval("MultiLine", every_multi))
    measure("packages single-line", package_holes("single", n_holes))
    measure("packages multi-line", package_holes("multi", n_holes))


if __name__ == "__main__":
    main()
