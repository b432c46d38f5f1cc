#!/usr/bin/env bash
# Stops the cluster started by local-postgres.sh (data is kept). BILLING_PG_STOP_MODE=immediate
# stops it the way a crash does (no checkpoint; the next start recovers from the WAL): crash tests only.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${BILLING_PG_DIR:-$repo/.local/postgres}"
dir="$(readlink -f "$dir")"   # local-postgres.sh may have linked it to postgres's home
bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V -r | head -n1)"
if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$bindir/pg_ctl" -D "$dir/data" -m "${BILLING_PG_STOP_MODE:-fast}" stop); else "$bindir/pg_ctl" -D "$dir/data" -m "${BILLING_PG_STOP_MODE:-fast}" stop; fi
