#!/usr/bin/env bash
# The README's run command: local PostgreSQL, migrations, demo data, the iPaymu stand-in on
# :9300 and the API on :8080. Ctrl-C stops the API and the stand-in (the database keeps running).
#   --fresh   start from an empty local database (drops it first), e.g. before the README's tour
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL="$(bash scripts/local-postgres.sh --print-url)"
  if [ "${1:-}" = "--fresh" ]; then
    psql "${DATABASE_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS billing WITH (FORCE)" -c "CREATE DATABASE billing"
    echo "local database emptied" >&2
  fi
elif [ "${1:-}" = "--fresh" ]; then
  echo "--fresh only empties the local database; DATABASE_URL is set, so it is left alone" >&2
fi
export DATABASE_URL
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
# iPaymu's public demo sandbox pair; the local stand-in checks signatures with it.
export IPAYMU_VA="${IPAYMU_VA:-1179000899}"
export IPAYMU_API_KEY="${IPAYMU_API_KEY:-QbGcoO0Qds9sQFDmY0MWg1Tq.xtuh1}"
export IPAYMU_BASE_URL="${IPAYMU_BASE_URL:-http://127.0.0.1:9300}"
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:8080}"
export APP_URL="${APP_URL:-http://localhost:3000}"
export BILLING_CRON_SECRET="${BILLING_CRON_SECRET:-local-cron-secret-change-me-0123456789}"
export BILLING_SCHEDULER_ENABLED="${BILLING_SCHEDULER_ENABLED:-false}"

echo "building..." >&2
dotnet build BillingCycle.sln -c Release -nologo -v quiet >&2
api="src/BillingCycle.Api/bin/Release/net10.0/BillingCycle.Api.dll"
standin="src/BillingCycle.IPaymu.StandIn/bin/Release/net10.0/BillingCycle.IPaymu.StandIn.dll"

dotnet "$api" migrate
psql "$DATABASE_URL" -q -v ON_ERROR_STOP=1 -f db/demo/demo-data.sql
echo "demo data loaded: 2 plans, 3 users, 3 subscriptions" >&2

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT INT TERM
if [ "$IPAYMU_BASE_URL" = "http://127.0.0.1:9300" ]; then
  STANDIN_VA="$IPAYMU_VA" STANDIN_API_KEY="$IPAYMU_API_KEY" \
    dotnet "$standin" --urls http://127.0.0.1:9300 &
  pids+=($!)
  echo "iPaymu stand-in: http://127.0.0.1:9300 (open payments, pay/expire buttons)" >&2
fi

# The operator console's sign-in link for a local admin (Development only, SPEC §9.5): a local
# signing key (git-ignored), its public half as CLERK_JWT_KEY, and a token it signs.
if [ "$ASPNETCORE_ENVIRONMENT" = "Development" ] && [ -z "${CLERK_JWT_KEY:-}${CLERK_JWKS_URL:-}" ]; then
  key="$repo/.local/console-signing-key.pem"
  [ -s "$key" ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$key" 2>/dev/null
  CLERK_JWT_KEY="$(openssl pkey -in "$key" -pubout)"
  export CLERK_JWT_KEY
  echo "operator console (local admin, 8 hours): http://127.0.0.1:8080/admin/sign-in?token=$(bash scripts/console-token.sh "$key")" >&2
fi

echo "API: http://127.0.0.1:8080  (try: curl http://127.0.0.1:8080/health/live ; docs at /docs)" >&2
dotnet "$api" --urls http://127.0.0.1:8080 &
pids+=($!)
wait "${pids[-1]}"
