#!/usr/bin/env bash
# Starts a private PostgreSQL cluster for this repo in .local/postgres (git-ignored), on its own
# port, as a non-root user (PostgreSQL refuses to run as root). Safe to call again: a running
# cluster is left alone. Prints nothing but progress on stderr; `--print-url` echoes DATABASE_URL.
#   BILLING_PG_PORT  port (default 54329)     BILLING_PG_DIR  folder (default .local/postgres)
#   BILLING_PG_FAST=1  fsync off, for throwaway test clusters only
#   BILLING_PG_EXTRA   more server options, e.g. "-c shared_preload_libraries=pg_stat_statements"
#   BILLING_PG_SUPERUSER  bootstrap superuser of a new cluster (default postgres; a Supabase-shaped
#                         test cluster uses supabase_admin, as Supabase's own image does)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="${BILLING_PG_PORT:-54329}"
dir="${BILLING_PG_DIR:-$repo/.local/postgres}"
db="${BILLING_PG_DB:-billing}"
su="${BILLING_PG_SUPERUSER:-postgres}"

bindir=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  [ -x "$d/initdb" ] && { bindir="$d"; break; }
done
if [ -z "$bindir" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "local-postgres: installing Debian's postgresql package" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) >&2
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
      [ -x "$d/initdb" ] && { bindir="$d"; break; }
    done
  fi
  [ -n "$bindir" ] || { echo "local-postgres: no PostgreSQL binaries found (apt-get install postgresql)" >&2; exit 1; }
fi

# Run the server as 'postgres' when we are root; as ourselves otherwise.
# (From /: the repo itself may be closed to 'postgres', see below; every path here is absolute.)
as_pg() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

mkdir -p "$dir"
if [ "$(id -u)" = 0 ]; then
  # The server runs as 'postgres' and must be able to walk into its folder. Nothing above the
  # repo is ever changed for that: when a parent folder keeps 'postgres' out (a clone in /root,
  # mode 700, say), the cluster lives in postgres's own home instead, linked from $dir.
  [ -L "$dir" ] && dir="$(readlink -f "$dir")"   # relocated by an earlier call (below)
  chown postgres:postgres "$dir"
  if ! as_pg test -x "$dir"; then
    real="/var/lib/postgresql/billingcycle/$(printf '%s' "$dir" | sha256sum | cut -c1-12)"
    if [ -n "$(ls -A "$dir")" ]; then
      echo "local-postgres: the postgres user cannot enter $dir (a parent folder is closed to others); move the repo or set BILLING_PG_DIR" >&2
      exit 1
    fi
    mkdir -p "$real"; chown postgres:postgres "$(dirname "$real")" "$real"
    rmdir "$dir"; ln -s "$real" "$dir"
    echo "local-postgres: the postgres user cannot enter a parent folder of the repo, so the cluster lives in $real (linked from $dir); nothing above the repo was changed" >&2
    dir="$real"
  fi
fi

if [ ! -s "$dir/data/PG_VERSION" ]; then
  echo "local-postgres: creating cluster in $dir/data" >&2
  as_pg "$bindir/initdb" -D "$dir/data" -U "$su" --auth=trust -E UTF8 --locale=C >/dev/null
fi

if as_pg "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  echo "local-postgres: already running on port $port" >&2
else
  opts="-p $port -c listen_addresses=127.0.0.1 -k $dir -c max_connections=400 -c shared_buffers=256MB"
  [ "${BILLING_PG_FAST:-0}" = 1 ] && opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  opts="$opts ${BILLING_PG_EXTRA:-}"
  # Another program (often a second clone's cluster, or a system PostgreSQL) on the port: say
  # which port and how to choose another, rather than pg_ctl's bare "could not start server".
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "local-postgres: port $port is already in use by another program; choose a free one for this clone with" >&2
    echo "  BILLING_PG_PORT=$((port + 1)) bash scripts/run.sh   (and the same BILLING_PG_PORT in every terminal: tour, test.sh, stop.sh)" >&2
    exit 1
  fi
  echo "local-postgres: starting on 127.0.0.1:$port" >&2
  if ! as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" -w -t 60 start >/dev/null; then
    echo "local-postgres: PostgreSQL did not start on port $port; the end of its log ($dir/server.log):" >&2
    tail -n 5 "$dir/server.log" >&2 || true
    echo "  (a port taken by another program? choose another with BILLING_PG_PORT=...)" >&2
    exit 1
  fi
fi

psql_pg() { as_pg "$bindir/psql" -h 127.0.0.1 -p "$port" -U "$su" -v ON_ERROR_STOP=1 -qtA "$@"; }
if [ "$(psql_pg -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
  psql_pg -d postgres -c "CREATE DATABASE \"$db\"" >/dev/null
fi

if [ "${1:-}" = "--print-url" ]; then
  echo "postgres://$su@127.0.0.1:$port/$db"
fi
