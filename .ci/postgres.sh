# Sourced by .ci/run: a private PostgreSQL for the tests that need one (INTENTFUL_TEST_POSTGRES).
# Debian's package when no server is installed; a throwaway cluster in a temp dir, on loopback
# and a private port, run by a non-root user (initdb refuses root); stopped and removed at exit.
pg_bin=""
for d in "$(dirname "$(command -v pg_ctl || echo /none/pg_ctl)")" /usr/lib/postgresql/*/bin; do
  if [ -z "$pg_bin" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ]; then pg_bin=$(readlink -f "$d"); fi
done
if [ -z "$pg_bin" ]; then
  echo "== installing postgresql (apt)"
  # No default cluster on port 5432: the tests make their own.
  mkdir -p /etc/postgresql-common
  [ -e /etc/postgresql-common/createcluster.conf ] ||
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
pg_dir=$(mktemp -d /tmp/intentful-pg.XXXXXX)
pg_port=${INTENTFUL_PG_PORT:-55432}
while (: <"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null; do pg_port=$((pg_port + 1)); done
pg_as=()
if [ "$(id -u)" = 0 ]; then
  id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$pg_dir"
  pg_as=(runuser -u postgres --)
fi
pg_stop() {
  "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap pg_stop EXIT
if ! { "${pg_as[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 --no-sync \
  && "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -o \
    "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=300" start; } \
  >"$pg_dir/setup.log" 2>&1; then
  cat "$pg_dir/setup.log" "$pg_dir/log" >&2 2>/dev/null
  echo "could not start PostgreSQL from $pg_bin" >&2
  exit 1
fi
export INTENTFUL_TEST_POSTGRES="postgres://postgres@127.0.0.1:$pg_port/postgres"
export INTENTFUL_REQUIRE_POSTGRES=1
echo "== PostgreSQL $("$pg_bin/postgres" -V | awk '{print $3}') on 127.0.0.1:$pg_port"
