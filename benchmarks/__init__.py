"""fillin's benchmarks: scripts that print numbers, each with its baselines measured in the
same run. `python -m benchmarks` runs them all; `python -m benchmarks.bench_x` runs one."""
