# Sourced by bench/run.sh and bench/instructions.sh: installs the Debian packages named in
# $BENCH_PACKAGES when their command is missing (quietly; nothing when all are there), checks
# the other tools and the CPUs (BENCH_MIN_CPUS, 2 by default), and
# builds the benchmark's servers in release (before measuring: a cold start must not include
# cargo). BENCH_ALLOCATOR=system builds every server on the system allocator instead of
# mimalloc; both servers always share one.

apt() {
  if [ "$(id -u)" = 0 ]; then apt-get -qq "$@"; else sudo apt-get -qq "$@"; fi
}
install() {
  export DEBIAN_FRONTEND=noninteractive
  apt install -y --no-install-recommends "$@" >/dev/null 2>&1 \
    || { apt update >/dev/null && apt install -y --no-install-recommends "$@" >/dev/null; }
}
missing=()
for pkg in $BENCH_PACKAGES; do
  command -v "$pkg" >/dev/null || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} (Debian packages)" >&2
  install "${missing[@]}"
fi
for tool in taskset python3 $BENCH_TOOLS; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 2; }
done
if [ "$(nproc)" -lt "${BENCH_MIN_CPUS:-2}" ]; then
  echo "bench: needs ${BENCH_MIN_CPUS:-2} CPUs (the server on one, wrk on the other)" >&2
  exit 2
fi
case "${BENCH_ALLOCATOR:=mimalloc}" in
  mimalloc) features=() ;;
  system) features=(--no-default-features) ;;
  *) echo "bench: BENCH_ALLOCATOR is mimalloc or system, not '$BENCH_ALLOCATOR'" >&2; exit 2 ;;
esac
export BENCH_ALLOCATOR
# (The `+` form: bash before 4.4 calls an empty array unbound under `set -u`.)
cargo build --release --locked --quiet -p intentful-bench --bins ${features[@]+"${features[@]}"}
