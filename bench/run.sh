#!/usr/bin/env bash
# The benchmark: builds in Release, starts its own PostgreSQL (durable settings, port 54339,
# .local/bench-postgres), the API, the iPaymu stand-in and a baseline app as separate processes
# (ports 18080, 18090, 18070),
# measures the ceilings and the workloads of a billing day, prints a table and writes
# bench/results/latest.json. About 20 minutes on 2 cores, half of it the console phase (docs/performance.md).
#   BENCH_SIZES=1000,10000,100000 BENCH_LATENCY_SIZES=1000,10000 bash bench/run.sh
#   BENCH_QUICK=1 bash bench/run.sh   checks the bench in a few minutes: small sizes, short
#                                     ceilings, figures labelled so, written to bench/results/quick.json
#   BENCH_PG_PORT, BENCH_API_PORT, BENCH_STANDIN_PORT, BENCH_BASELINE_PORT   other ports, when
#                                     another checkout's bench (or anything else) holds the defaults
# Its PostgreSQL is stopped when the bench ends (or is interrupted); its data, rebuilt by every
# run, is removed too unless BENCH_KEEP_DB=1.
# The operator console's phase (100,000 subscriptions and a year of history, each /admin page timed)
# runs last; alone, it takes about 10 minutes and writes bench/results/console.json:
#   BENCH_ONLY=console bash bench/run.sh     (BENCH_SKIP_CONSOLE=1 leaves it out of a full run)
# The mixed day (30% discounted, 10% yearly with an allowance month due, 5% trials ending) runs
# right after the plain 10,000 day and its callback storm, about a minute at 10,000 (estimated);
# alone, with the plain day it is judged against:
#   BENCH_ONLY=mixed BENCH_SIZES=10000 bash bench/run.sh   (bench/results/mixed.json, git-ignored;
#                                     BENCH_SKIP_MIXED=1 leaves it out of a full run)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v pgbench >/dev/null || need+=(postgresql-contrib)
if [ ${#need[@]} -gt 0 ]; then
  echo "bench: installing ${need[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet build BillingCycle.sln -c Release -nologo -v quiet
# Its own cluster, started afresh with pg_stat_statements (the bench reports the costliest statements).
export BILLING_PG_PORT="${BENCH_PG_PORT:-54339}" BILLING_PG_DIR="$repo/.local/bench-postgres" BILLING_PG_DB=billing_bench
[ -s "$BILLING_PG_DIR/data/postmaster.pid" ] && bash scripts/stop-local-postgres.sh >/dev/null 2>&1 || true
finish() {
  bash scripts/stop-local-postgres.sh >/dev/null 2>&1 || true
  if [ "${BENCH_KEEP_DB:-0}" = 1 ]; then
    echo "bench: its PostgreSQL is stopped; data kept in ${BILLING_PG_DIR#"$repo"/} ($(du -sh "$BILLING_PG_DIR" | cut -f1))" >&2
  else
    rm -rf "$(readlink -f "$BILLING_PG_DIR")" "$BILLING_PG_DIR"
    echo "bench: its PostgreSQL is stopped and its data removed (BENCH_KEEP_DB=1 keeps it)" >&2
  fi
}
trap finish EXIT
url="$(BILLING_PG_EXTRA="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all" \
  bash scripts/local-postgres.sh --print-url)"
# Leftover servers from an interrupted run of this checkout hold the bench ports: stopped by the
# pids that run recorded, and only if that pid still runs one of this checkout's programs (a pid
# can be reused; other checkouts' benches on the same machine are left alone).
for f in bench/.work/*.pid; do
  [ -f "$f" ] || continue
  pid="$(cat "$f")"
  if tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "$repo/"; then kill "$pid" 2>/dev/null || true; fi
done
rm -rf bench/.work; mkdir -p bench/.work
BENCH_DATABASE_URL="$url" BENCH_PG_DATA="$(readlink -f "$BILLING_PG_DIR")/data" dotnet bench/BillingCycle.Bench/bin/Release/net10.0/BillingCycle.Bench.dll "$repo"
