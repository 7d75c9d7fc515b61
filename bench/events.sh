#!/usr/bin/env bash
# The event benchmark in one command: intentful's durable event intake (group commit) against a
# naive receiver that commits each event on its own (bench/src/bin/events_bare.rs), both on one
# pinned CPU with wrk on the other. Extra arguments go to bench/events.py (e.g. --runs 6).
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_PACKAGES="wrk" BENCH_TOOLS="" source bench/prepare.sh
cargo build --release --locked -p intentful -p intentful-bench --bin intentful --bin events_bare
exec python3 bench/events.py "$@"
