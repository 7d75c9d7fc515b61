#!/usr/bin/env bash
# The cost of recording (issue 17): the bench server (bench/src/bin/bench_server.rs) with
# `record.dir` set against the same server without it, scenarios W (welcome) and U (GetWeather
# via the mock upstream), in one run, on the pinned CPUs of bench/run.sh. Extra arguments go to
# bench/record.py (e.g. --runs 6).
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_PACKAGES="wrk" BENCH_TOOLS="" source bench/prepare.sh
exec python3 bench/record.py "$@"
