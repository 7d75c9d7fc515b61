#!/usr/bin/env bash
# Instructions per call under callgrind, intentful against the bare server, scenarios W and U:
# a measure that the neighbours' load on a shared machine does not move (bench/run.sh measures
# throughput and latency, which it does). Extra arguments go to bench/instructions.py.
set -euo pipefail
cd "$(dirname "$0")/.."

install() {
  if [ "$(id -u)" = 0 ]; then apt-get install -y "$@" || { apt-get update && apt-get install -y "$@"; }
  else sudo apt-get install -y "$@" || { sudo apt-get update && sudo apt-get install -y "$@"; }; fi
}
command -v wrk >/dev/null || install wrk
command -v valgrind >/dev/null || install valgrind
for tool in taskset python3 callgrind_control; do
  command -v "$tool" >/dev/null || { echo "instructions: $tool is required" >&2; exit 2; }
done
if [ "$(nproc)" -lt 2 ]; then
  echo "instructions: needs 2 CPUs (server on CPU 0, wrk on CPU 1)" >&2
  exit 2
fi

cargo build --release --locked --example bench_server --example bare_server --example mock_upstream
exec python3 bench/instructions.py "$@"
