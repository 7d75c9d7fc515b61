#!/usr/bin/env bash
# Several instances in one command: events/s accepted and handled by one intentful on the
# embedded store, and by one and two on PostgreSQL (a private server, as in CI: .ci/postgres.sh).
# Extra arguments go to bench/instances.py (e.g. --runs 4 --seconds 10).
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_PACKAGES="wrk" BENCH_TOOLS="psql" source bench/prepare.sh
cargo build --release --locked --quiet --bin intentful
source .ci/postgres.sh
python3 bench/instances.py "$@"
