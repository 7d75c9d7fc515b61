#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 600) on the nightly toolchain and prints the
# executions per target. Needs `rustup toolchain install nightly` and `cargo install cargo-fuzz`.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(es_request signature_header jwt)
fi
cargo +nightly fuzz build -O
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    log="$(mktemp)"
    # Seeds are read, new inputs go to corpus/<target> (ignored by git).
    cargo +nightly fuzz run -O "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$secs" -print_final_stats=1 >"$log" 2>&1 || {
        tail -40 "$log"
        echo "fuzz target $t FAILED (crash input under fuzz/artifacts/$t)"
        exit 1
    }
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
    echo "$t: $runs executions in ${secs}s, no crash"
    rm -f "$log"
done
