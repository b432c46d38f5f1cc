#!/usr/bin/env bash
# Stops everything this repo's commands leave running: the API, iPaymu stand-in and mail catcher of
# scripts/run.sh, and every PostgreSQL cluster under .local/ (the local one of run.sh and
# test.sh on 54329, the benchmark's on 54339, test clusters an interrupted run left behind).
# Data is kept; `bash scripts/run.sh --fresh` empties the local database, `rm -rf .local`
# removes everything (clusters, local key, test results).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

# run.sh's processes, by the pid it recorded, and only if that pid is still this repo's dll
# (a recycled pid belongs to someone else and is left alone).
for name in api standin smtp4dev; do
  f=".local/run/$name.pid"
  [ -f "$f" ] || continue
  pid="$(cat "$f")"
  if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "BillingCycle\.\(Api\|IPaymu\.StandIn\)\.dll\|smtp4dev"; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    echo "stop: $name (pid $pid) stopped"
  fi
  rm -f "$f"
done

# Every cluster of this repo that is running: its data folder has a postmaster.pid.
bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r | head -n1 || true)"
as_pg() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
if [ -n "$bindir" ] && [ -d .local ]; then
  while IFS= read -r pidfile; do
    data="$(readlink -f "$(dirname "$pidfile")")"   # the real folder: the server may not pass a link's parents
    if as_pg "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      as_pg "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null
      echo "stop: PostgreSQL in ${data#"$repo"/} stopped"
    fi
  done < <(find -L .local -maxdepth 6 -name postmaster.pid -path '*/data/postmaster.pid' 2>/dev/null)
fi
echo "stop: done"
