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

# Mail catcher (SPEC §8.5): smtp4dev, a .NET tool installed once into .local/tools, takes every
# email the service sends and shows it on a web page. Left out when SMTP_URL points elsewhere.
if [ -z "${SMTP_URL:-}" ]; then
  mkdir -p .local/run
  [ -x .local/tools/smtp4dev ] || dotnet tool install --tool-path .local/tools Rnwood.Smtp4dev --version 3.15.0 >&2
  .local/tools/smtp4dev --urls=http://127.0.0.1:5080 --smtpport=2525 --bindaddress=127.0.0.1 --imapport=0 --pop3port=0 \
    --db= --hostname=localhost >.local/smtp4dev.log 2>&1 &
  pids+=($!); echo $! >.local/run/smtp4dev.pid
  # Up before the API, so its first email does not wait for a retry (on a frozen test clock, a long wait).
  for _ in $(seq 1 120); do (exec 3<>/dev/tcp/127.0.0.1/2525) 2>/dev/null && break; sleep 0.5; done
  export SMTP_URL="smtp://127.0.0.1:2525" EMAIL_FROM="${EMAIL_FROM:-Billing <billing@localhost>}"
  echo "mail catcher: http://127.0.0.1:5080 (every email the service sends; SMTP on 127.0.0.1:2525)" >&2
fi
if [ "$IPAYMU_BASE_URL" = "http://127.0.0.1:9300" ]; then
  STANDIN_VA="$IPAYMU_VA" STANDIN_API_KEY="$IPAYMU_API_KEY" \
    dotnet "$standin" --urls http://127.0.0.1:9300 &
  pids+=($!)
  echo "iPaymu stand-in: http://127.0.0.1:9300 (open payments, pay/expire buttons)" >&2
fi

echo "API: http://127.0.0.1:8080  (try: curl http://127.0.0.1:8080/health/live ; docs at /docs)" >&2
dotnet "$api" --urls http://127.0.0.1:8080 &
pids+=($!)
wait "${pids[-1]}"
