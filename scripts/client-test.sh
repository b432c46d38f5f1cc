#!/usr/bin/env bash
# The TypeScript client's tests (clients/typescript), against a live service: a database of its
# own on the test cluster, the iPaymu stand-in, and the API (built already, with a test clock and
# the app-webhook pointed at the tests' receiver). Then:
#   1. the drift check: the committed src/schema.ts is what the running service generates;
#   2. `node --test` over the compiled tests (live calls, the type checks of the sample).
# Prints node's TAP summary and, last, one line "client: N passed, M failed"; writes "N M" to
# $BILLING_CLIENT_RESULTS when set (scripts/test.sh adds them to its total).
#   BILLING_TEST_DATABASE_URL  the server to use (default: the local cluster, started if needed)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
client="$repo/clients/typescript"

command -v node >/dev/null && command -v npm >/dev/null \
  || { echo "client-test: node and npm are needed (apt-get install nodejs npm)" >&2; exit 1; }

url="${BILLING_TEST_DATABASE_URL:-}"
[ -n "$url" ] || url="$(BILLING_PG_FAST=1 bash scripts/local-postgres.sh --print-url)"
admin_url="${url%/*}/postgres"
db="t_client_$$"   # t_*: scripts/test.sh drops it with the other test databases if we cannot
psql "$admin_url" -qc "CREATE DATABASE \"$db\"" >/dev/null
export DATABASE_URL="${url%/*}/$db"

free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  echo "client-test: no free port" >&2; exit 1
}
api_port="$(free_port)"; standin_port="$(free_port)"; hook_port="$(free_port)"

api="src/BillingCycle.Api/bin/Release/net10.0/BillingCycle.Api.dll"
standin="src/BillingCycle.IPaymu.StandIn/bin/Release/net10.0/BillingCycle.IPaymu.StandIn.dll"
if [ ! -f "$api" ] || [ ! -f "$standin" ]; then
  for project in src/BillingCycle.Api src/BillingCycle.IPaymu.StandIn; do
    dotnet build "$project" -c Release -nologo -v quiet >&2
  done
fi

bash scripts/local-identity.sh
# shellcheck disable=SC1091
. "${BILLING_LOCAL_CLERK_DIR:-$repo/.local/clerk}/clerk.env"
export CLERK_JWT_KEY CLERK_ISSUER CLERK_AUTHORIZED_PARTIES
export ASPNETCORE_ENVIRONMENT=Development
export IPAYMU_VA=1179000899 IPAYMU_API_KEY=QbGcoO0Qds9sQFDmY0MWg1Tq.xtuh1
export IPAYMU_BASE_URL="http://127.0.0.1:$standin_port" PUBLIC_BASE_URL="http://127.0.0.1:$api_port"
export APP_URL="http://localhost:3000" BILLING_CRON_SECRET="client-test-cron-secret-0123456789abcdef"
export BILLING_TEST_CLOCK="$(date -u +%Y-%m-%dT%H:00:00Z)" BILLING_SCHEDULER_ENABLED=false
export BILLING_DELIVERY_INTERVAL="00:00:00.250"
export APP_WEBHOOK_URL="http://127.0.0.1:$hook_port/billing-events"
export APP_WEBHOOK_SECRET="whsec_$(openssl rand -base64 32)"
unset SMTP_URL

logs="$repo/.local/client-test"
mkdir -p "$logs"
pids=()
cleanup() {
  [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null || true
  [ ${#pids[@]} -gt 0 ] && wait "${pids[@]}" 2>/dev/null || true
  psql "$admin_url" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

dotnet "$api" migrate >"$logs/migrate.log" 2>&1
STANDIN_VA="$IPAYMU_VA" STANDIN_API_KEY="$IPAYMU_API_KEY" \
STANDIN_BILLING_URL="$PUBLIC_BASE_URL" STANDIN_BILLING_CRON_SECRET="$BILLING_CRON_SECRET" \
  dotnet "$standin" --urls "http://127.0.0.1:$standin_port" >"$logs/standin.log" 2>&1 &
pids+=($!)
BILLING_MIGRATE_ON_START=false dotnet "$api" --urls "http://127.0.0.1:$api_port" >"$logs/api.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 240); do
  curl -fsS -o /dev/null "http://127.0.0.1:$api_port/health/ready" 2>/dev/null \
    && curl -fsS -o /dev/null "http://127.0.0.1:$standin_port/_standin/payments" 2>/dev/null && break
  sleep 0.5
done
curl -fsS -o /dev/null "http://127.0.0.1:$api_port/health/ready" \
  || { echo "client-test: the API did not start; its log:" >&2; tail -n 30 "$logs/api.log" >&2; exit 1; }

cd "$client"
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error >&2
npm run --silent build >&2

passed=0; failed=0
if BILLING_API_URL="http://127.0.0.1:$api_port" node scripts/generate.mjs --check; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
fi

set +e
BILLING_API_URL="http://127.0.0.1:$api_port" BILLING_STANDIN_URL="http://127.0.0.1:$standin_port" \
BILLING_HOOK_PORT="$hook_port" BILLING_HOOK_SECRET="$APP_WEBHOOK_SECRET" BILLING_REPO="$repo" \
  node --test --test-reporter=tap dist/test/ >"$logs/node-test.tap" 2>&1
node_status=$?
set -e
grep -E '^# (tests|pass|fail|cancelled|skipped)' "$logs/node-test.tap" || true
grep -B2 -A12 '^not ok' "$logs/node-test.tap" | head -n 80 || true
p="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$logs/node-test.tap" | tail -n1)"
f="$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$logs/node-test.tap" | tail -n1)"
c="$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$logs/node-test.tap" | tail -n1)"
passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${c:-0}))
if [ "$node_status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi   # node itself broke: never green
[ "${p:-0}" -gt 0 ] || failed=$((failed > 0 ? failed : 1))               # no test ran: not green either

echo "client: $passed passed, $failed failed"
[ -z "${BILLING_CLIENT_RESULTS:-}" ] || echo "$passed $failed" >"$BILLING_CLIENT_RESULTS"
[ "$failed" -eq 0 ]
