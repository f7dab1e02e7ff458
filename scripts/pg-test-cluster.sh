#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for tests: in a temporary directory, on a free loopback
# port, owned by the `postgres` user when run as root (initdb refuses root), with durability
# switched off (fsync=off) because the data is thrown away.
#
#   pg-test-cluster.sh start DIR   initdb + start in DIR (created if missing); prints the URL
#                                  postgresql://postgres@127.0.0.1:PORT/signet on stdout
#   pg-test-cluster.sh pause DIR   stops the server, keeps the data (a database outage)
#   pg-test-cluster.sh resume DIR  starts it again on the same port
#   pg-test-cluster.sh stop DIR    stops the server and removes DIR
#   pg-test-cluster.sh url DIR     prints the URL again
#   pg-test-cluster.sh createdb DIR NAME
#                                  creates database NAME; prints its URL
#
# Needs the PostgreSQL server binaries (Debian package `postgresql`, installed by
# scripts/install-deps.sh); exits 2 with a message naming the package when they are missing.
set -euo pipefail

die() { echo "pg-test-cluster: $*" >&2; exit "${2:-1}"; }

find_bindir() {
  if [[ -n "${SIGNET_PG_BINDIR:-}" && -x "$SIGNET_PG_BINDIR/initdb" ]]; then
    echo "$SIGNET_PG_BINDIR"; return
  fi
  local d
  for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then echo "$d"; return; fi
  done
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
  die "PostgreSQL server binaries (initdb, pg_ctl) not found; install the Debian package 'postgresql' (scripts/install-deps.sh does)" 2
}

# Runs a command as the cluster owner.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

url_of() { echo "postgresql://postgres@127.0.0.1:$(cat "$1/port")/signet"; }

server_start() {
  local dir=$1 bindir=$2
  as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $(cat "$dir/port") -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir" \
    start >/dev/null || { cat "$dir/server.log" >&2 || true; die "server did not start"; }
}

cmd=${1:-}
dir=${2:-}
[[ -n "$cmd" && -n "$dir" ]] || die "usage: $0 start|pause|resume|stop|url|createdb DIR [NAME]"
case "$cmd" in
  start)
    bindir=$(find_bindir)
    if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
      die "running as root needs the 'postgres' user (created by the Debian package 'postgresql')" 2
    fi
    mkdir -p "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
    chmod 0700 "$dir"
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    cat >>"$dir/data/postgresql.conf" <<CONF
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
shared_buffers = 64MB
CONF
    free_port >"$dir/port"
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir/port"
    server_start "$dir" "$bindir"
    as_owner "$bindir/psql" -X -q -h 127.0.0.1 -p "$(cat "$dir/port")" -U postgres -d postgres \
      -c "CREATE DATABASE signet" >/dev/null
    url_of "$dir"
    ;;
  pause)
    bindir=$(find_bindir)
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  resume)
    bindir=$(find_bindir)
    server_start "$dir" "$bindir"
    ;;
  stop)
    if [[ -d "$dir/data" ]]; then
      bindir=$(find_bindir)
      as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  url)
    url_of "$dir"
    ;;
  createdb)
    name=${3:-}
    [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || die "createdb needs a database name of [a-z0-9_]"
    bindir=$(find_bindir)
    as_owner "$bindir/psql" -X -q -h 127.0.0.1 -p "$(cat "$dir/port")" -U postgres -d postgres \
      -c "CREATE DATABASE $name" >/dev/null
    echo "postgresql://postgres@127.0.0.1:$(cat "$dir/port")/$name"
    ;;
  *)
    die "unknown command '$cmd'; use start, pause, resume, stop, url or createdb"
    ;;
esac
