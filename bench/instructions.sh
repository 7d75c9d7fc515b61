#!/usr/bin/env bash
# Instructions per call under callgrind, intentful against the bare server, scenarios W and U:
# a measure that the neighbours' load on a shared machine does not move (bench/run.sh measures
# throughput and latency, which it does). Extra arguments go to bench/instructions.py, e.g.
# `--check bench/instructions.baseline` (the CI guard). One CPU is enough: it counts, not times.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_PACKAGES="wrk valgrind" BENCH_TOOLS="callgrind_control" BENCH_MIN_CPUS=1 source bench/prepare.sh
exec python3 bench/instructions.py "$@"
