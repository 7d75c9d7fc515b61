# Sourced by bench/run.sh and bench/instructions.sh: installs the Debian packages named in
# $BENCH_PACKAGES when their command is missing, checks the other tools and the two CPUs, and
# builds the release examples (before measuring: a cold start must not include cargo).

install() {
  if [ "$(id -u)" = 0 ]; then apt-get install -y "$@" || { apt-get update && apt-get install -y "$@"; }
  else sudo apt-get install -y "$@" || { sudo apt-get update && sudo apt-get install -y "$@"; }; fi
}
for pkg in $BENCH_PACKAGES; do
  command -v "$pkg" >/dev/null || { echo "installing $pkg (Debian package)" >&2; install "$pkg"; }
done
for tool in taskset python3 $BENCH_TOOLS; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 2; }
done
if [ "$(nproc)" -lt 2 ]; then
  echo "bench: needs 2 CPUs (server on CPU 0, wrk on CPU 1)" >&2
  exit 2
fi
# BARE_ALLOCATOR=mimalloc gives the bare server intentful's allocator (feature bare-mimalloc).
case "${BARE_ALLOCATOR:-system}" in
  system) features=() ;;
  mimalloc) features=(--features bare-mimalloc) ;;
  *) echo "bench: BARE_ALLOCATOR is system or mimalloc, not '$BARE_ALLOCATOR'" >&2; exit 2 ;;
esac
# (The `+` form: bash before 4.4 calls an empty array unbound under `set -u`.)
cargo build --release --locked ${features[@]+"${features[@]}"} --example bench_server --example bare_server --example mock_upstream
