#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster for the tests: `start DIR` creates one in DIR (initdb, as an
# unprivileged user: `postgres` when run as root), listening on a Unix socket in DIR only (no TCP
# port, so no clash with anything else on the machine) or, with VFLOW_POSTGRES_PORT=N, on
# 127.0.0.1:N too (the benchmark measures over loopback TCP), and prints its connection URI;
# `stop DIR` stops it and removes DIR.
# Nothing depends on a server being up already, nothing outside DIR is touched.
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
cmd=${1:?usage: postgres.sh start|stop DIR}
dir=${2:?usage: postgres.sh start|stop DIR}
case $dir in /*) ;; *) dir=$PWD/$dir ;; esac
cd /  # the cluster's owner may not be allowed into the caller's directory

as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  as_owner=(runuser -u postgres --)
fi

case $cmd in
  start)
    mkdir -p "$dir"
    [ ${#as_owner[@]} -gt 0 ] && chown postgres "$dir"
    chmod 700 "$dir"
    "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U vflow --auth=trust -E UTF8 --locale=C.UTF-8 \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    port=${VFLOW_POSTGRES_PORT:-5432}
    listen=
    [ -n "${VFLOW_POSTGRES_PORT:-}" ] && listen=127.0.0.1
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=$listen -k $dir -p $port -c fsync=on -c synchronous_commit=on -c max_connections=100" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    if [ -n "$listen" ]; then
      echo "postgresql://vflow@127.0.0.1:$port/postgres"
    else  # the socket's directory as the URI's host, percent-encoded
      echo "postgresql://vflow@${dir//\//%2F}:$port/postgres"
    fi
    ;;
  stop)
    if [ -d "$dir/data" ]; then
      "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *) echo "usage: postgres.sh start|stop DIR" >&2; exit 2 ;;
esac
