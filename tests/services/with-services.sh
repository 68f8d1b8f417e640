#!/usr/bin/env bash
# Runs a command with throwaway PostgreSQL and MariaDB servers on loopback,
# on non-default ports, in a temp dir; stops them afterwards whatever the
# command's outcome. Exports POSTIER_TEST_PG_URL and POSTIER_TEST_MYSQL_URL
# (an admin URL each; tests create one database per test). When those are
# already set, the given servers are used and nothing is started.
#
# Usage: tests/services/with-services.sh COMMAND [ARGS...]
set -euo pipefail

root=$(mktemp -d "${TMPDIR:-/tmp}/postier-services.XXXXXX")
chmod 755 "$root"
pids=()

stop_all() {
  local rc=$?
  if [ -n "${PG_BIN:-}" ] && [ -d "$root/pg" ]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$root/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$root"
  exit $rc
}
trap stop_all EXIT INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_for() { # wait_for SECONDS COMMAND...: poll until COMMAND succeeds
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then return 1; fi
    sleep 0.1
  done
}

if [ -z "${POSTIER_TEST_PG_URL:-}" ]; then
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  if [ -n "$PG_BIN" ] && id postgres >/dev/null 2>&1; then
    port=$(free_port)
    mkdir -p "$root/pg" "$root/pg-sock"
    chown postgres:postgres "$root/pg" "$root/pg-sock"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$root/pg" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$root/pg-init.log" 2>&1
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$root/pg" -l "$root/pg-sock/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $root/pg-sock -c fsync=off -c max_connections=200" start >/dev/null
    export POSTIER_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
    echo "services: PostgreSQL on 127.0.0.1:$port"
  else
    echo "services: PostgreSQL is NOT available (no server binaries or postgres user)" >&2
  fi
fi

if [ -z "${POSTIER_TEST_MYSQL_URL:-}" ]; then
  if command -v mariadbd >/dev/null && command -v mariadb-install-db >/dev/null; then
    port=$(free_port)
    # A tmpdir of its own: a starting MariaDB deletes every #sql-temptable-*
    # file in its tmpdir, so servers sharing /tmp break each other's bootstrap.
    mkdir -p "$root/my" "$root/my-tmp"
    chown mysql:mysql "$root/my" "$root/my-tmp"
    mariadb-install-db --no-defaults --datadir="$root/my" --tmpdir="$root/my-tmp" --user=mysql --auth-root-authentication-method=normal \
      --skip-test-db >"$root/my-init.log" 2>&1
    mariadbd --no-defaults --datadir="$root/my" --tmpdir="$root/my-tmp" --socket="$root/my/sock" --port="$port" \
      --bind-address=127.0.0.1 --user=mysql --skip-name-resolve --innodb-flush-log-at-trx-commit=0 \
      --max-connections=300 --log-error="$root/my/error.log" --pid-file="$root/my/pid" &
    pids+=($!)
    if wait_for 60 mariadb --no-defaults -S "$root/my/sock" -u root -e "SELECT 1"; then
      mariadb --no-defaults -S "$root/my/sock" -u root -e \
        "CREATE USER 'postier'@'127.0.0.1' IDENTIFIED BY 'postier-test'; GRANT ALL ON *.* TO 'postier'@'127.0.0.1' WITH GRANT OPTION;"
      export POSTIER_TEST_MYSQL_URL="mysql://postier:postier-test@127.0.0.1:$port/mysql"
      echo "services: MariaDB on 127.0.0.1:$port"
    else
      echo "services: MariaDB did not start; see below" >&2
      tail -20 "$root/my/error.log" >&2 || true
    fi
  else
    echo "services: MariaDB is NOT available (no mariadbd)" >&2
  fi
fi

"$@"
