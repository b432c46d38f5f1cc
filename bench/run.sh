#!/usr/bin/env bash
# The benchmark: builds in Release, starts its own PostgreSQL (durable settings, port 54339,
# .local/bench-postgres), the API, the iPaymu stand-in and a baseline app as separate processes,
# measures the ceilings and the workloads of a billing day, prints a table and writes
# bench/results/latest.json. About 10 minutes on 2 cores (docs/performance.md).
#   BENCH_SIZES=1000,10000,100000 BENCH_LATENCY_SIZES=1000,10000 bash bench/run.sh
#   BENCH_QUICK=1 bash bench/run.sh   checks the bench in a few minutes: small sizes, short
#                                     ceilings, figures labelled so, written to bench/results/quick.json
# Its PostgreSQL is stopped when the bench ends (or is interrupted); its data, rebuilt by every
# run, is removed too unless BENCH_KEEP_DB=1.
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
export BILLING_PG_PORT=54339 BILLING_PG_DIR="$repo/.local/bench-postgres" BILLING_PG_DB=billing_bench
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
# Leftover servers from an interrupted run hold the bench ports.
pkill -f 'BillingCycle.Bench.Baseline.dll|--urls http://127.0.0.1:180[789]0' 2>/dev/null || true
rm -rf bench/.work; mkdir -p bench/.work
BENCH_DATABASE_URL="$url" dotnet bench/BillingCycle.Bench/bin/Release/net10.0/BillingCycle.Bench.dll "$repo"
