#!/usr/bin/env bash
# Instructions per call under callgrind, intentful against the bare server, scenarios W and U:
# a measure that the neighbours' load on a shared machine does not move (bench/run.sh measures
# throughput and latency, which it does). Extra arguments go to bench/instructions.py.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_PACKAGES="wrk valgrind" BENCH_TOOLS="callgrind_control" source bench/prepare.sh
exec python3 bench/instructions.py "$@"
