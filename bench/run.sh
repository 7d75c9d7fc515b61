#!/usr/bin/env bash
# The benchmark in one command: intentful (bench/src/bin/bench_server.rs) against a bare
# actix-web server (bench/src/bin/bare_server.rs), scenarios W (welcome) and U (GetWeather via
# the mock upstream), on two pinned CPUs. Extra arguments go to bench/bench.py (e.g. --runs 5).
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_PACKAGES="wrk" BENCH_TOOLS="" source bench/prepare.sh
exec python3 bench/bench.py "$@"
