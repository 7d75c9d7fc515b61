#!/usr/bin/env bash
# The benchmark in one command: intentful (examples/bench_server.rs) against a bare actix-web
# server (examples/bare_server.rs), scenarios W (welcome) and U (GetWeather via the mock
# upstream), on two pinned CPUs. Extra arguments go to bench/bench.py (e.g. --runs 5).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)" >&2
  if [ "$(id -u)" = 0 ]; then apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }
  else sudo apt-get install -y wrk || { sudo apt-get update && sudo apt-get install -y wrk; }; fi
fi
for tool in taskset python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 2; }
done
if [ "$(nproc)" -lt 2 ]; then
  echo "bench: needs 2 CPUs (server on CPU 0, wrk on CPU 1)" >&2
  exit 2
fi

# Release binaries, built before measuring: cold start must not include cargo.
cargo build --release --locked --example bench_server --example bare_server --example mock_upstream
exec python3 bench/bench.py "$@"
