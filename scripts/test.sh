#!/usr/bin/env bash
# The README's test command: starts the local PostgreSQL (unless DATABASE_URL points elsewhere),
# builds, runs every test project and the TypeScript client's tests, and ends with one line
# "N passed, M failed". Arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Credits");
# with any, the client's tests are left out (bash scripts/client-test.sh runs them alone).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

if [ -n "${DATABASE_URL:-}" ]; then
  url="$DATABASE_URL"
else
  url="$(BILLING_PG_FAST=1 bash scripts/local-postgres.sh --print-url)"
fi
export BILLING_TEST_DATABASE_URL="$url"

# The tests' databases: t_* (one per test class), e_* (empty, for migration tests) and tpl_*
# (the migrated template each test process clones). Dropped before the run (an interrupted
# earlier run's) and after it, so the cluster holds only what it held before.
admin_url="${url%/*}/postgres"
drop_test_databases() {
  for d in $(psql "$admin_url" -qtAc "SELECT datname FROM pg_database WHERE datname ~ '^(t|e|tpl)_'" 2>/dev/null || true); do
    psql "$admin_url" -qc "DROP DATABASE IF EXISTS \"$d\" WITH (FORCE)" >/dev/null 2>&1 || true
  done
}
drop_test_databases

results="$repo/.local/test-results"
rm -rf "$results"; mkdir -p "$results"
export BILLING_CLIENT_RESULTS="$results/client-counts"

dotnet build BillingCycle.sln -c Release -nologo -v quiet
# One test project at a time: the process-level suite starts real servers and must not
# compete for the two cores with the in-process suites.
status=0
set +e
for project in tests/BillingCycle.UnitTests tests/BillingCycle.IntegrationTests tests/BillingCycle.ProcessTests; do
  dotnet test "$project" -c Release --no-build -nologo \
    --logger "trx" --results-directory "$results" "$@" || status=1
done
# The TypeScript client against a live service (clients/typescript): with the whole suite only,
# not when a filter picks some .NET tests.
if [ $# -eq 0 ]; then
  bash scripts/client-test.sh || status=1
fi
set -e
drop_test_databases

if [ -f "$results/resilience-report.json" ]; then
  echo "fault, abuse and simulation suite: $(cat "$results/resilience-report.json")"
fi

passed=0; failed=0
for f in "$results"/*.trx; do
  [ -f "$f" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$f" | head -n1)"
  p="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  fl="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  passed=$((passed + ${p:-0})); failed=$((failed + ${fl:-0}))
done
if [ -f "$BILLING_CLIENT_RESULTS" ]; then
  read -r cp cf <"$BILLING_CLIENT_RESULTS"
  passed=$((passed + cp)); failed=$((failed + cf))
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1   # the run itself broke (build, crash, no results): never report it green
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
