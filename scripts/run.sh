#!/usr/bin/env bash
# The README's run command: local PostgreSQL, migrations, demo data, the iPaymu stand-in and the
# API, in Development, with a local identity for the credit endpoints. Prints where everything
# is once the API is up.
#   --fresh   start from an empty local database (drops it first), e.g. before the README's tour
# Ctrl-C stops the API, the stand-in and the mail catcher; PostgreSQL keeps running (bash scripts/stop.sh stops
# it too). Ports: BILLING_API_PORT (8080), BILLING_STANDIN_PORT (9300), BILLING_PG_PORT (54329).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
fresh=0
case "${1:-}" in
  --fresh) fresh=1 ;;
  "") ;;
  *) echo "usage: bash scripts/run.sh [--fresh]" >&2; exit 2 ;;
esac

api_port="${BILLING_API_PORT:-8080}"
standin_port="${BILLING_STANDIN_PORT:-9300}"
mail_web_port="${BILLING_MAIL_WEB_PORT:-5080}"
mail_smtp_port="${BILLING_MAIL_SMTP_PORT:-2525}"
export BILLING_PG_PORT="${BILLING_PG_PORT:-54329}"
in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$api_port" "$standin_port"; do
  if in_use "$p"; then
    echo "run: port $p is already in use (an earlier run? bash scripts/stop.sh stops it)" >&2
    exit 1
  fi
done

if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL="$(bash scripts/local-postgres.sh --print-url)"
  if [ "$fresh" = 1 ]; then
    psql "${DATABASE_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS billing WITH (FORCE)" -c "CREATE DATABASE billing"
    echo "local database emptied" >&2
  fi
elif [ "$fresh" = 1 ]; then
  echo "--fresh only empties the local database; DATABASE_URL is set, so it is left alone" >&2
fi
export DATABASE_URL
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
# iPaymu's public demo sandbox pair; the local stand-in checks signatures with it.
export IPAYMU_VA="${IPAYMU_VA:-1179000899}"
export IPAYMU_API_KEY="${IPAYMU_API_KEY:-QbGcoO0Qds9sQFDmY0MWg1Tq.xtuh1}"
export IPAYMU_BASE_URL="${IPAYMU_BASE_URL:-http://127.0.0.1:$standin_port}"
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:$api_port}"
export APP_URL="${APP_URL:-http://localhost:3000}"
# A sample Indonesian seller, so the pay page, the PDF and the emails read as a real invoice:
# PPN 12% on the "other value" base of 11/12 (DPP nilai lain, an effective 11%), prices
# including tax, the seller's NPWP and NITKU, and a support address for the email footers.
export BILLING_SELLER_NAME="${BILLING_SELLER_NAME:-PT Awan Nusantara Teknologi}"
export BILLING_SELLER_ADDRESS="${BILLING_SELLER_ADDRESS:-Jl. Jend. Sudirman Kav. 52-53\nSenayan, Kebayoran Baru\nJakarta Selatan 12190}"
export BILLING_SELLER_NPWP="${BILLING_SELLER_NPWP:-0012345678901000}"
export BILLING_SELLER_NITKU="${BILLING_SELLER_NITKU:-0012345678901000000000}"
export BILLING_TAX_PERCENT="${BILLING_TAX_PERCENT:-12}"
export BILLING_TAX_OTHER_BASE="${BILLING_TAX_OTHER_BASE:-11/12}"
export BILLING_PRICES_INCLUDE_TAX="${BILLING_PRICES_INCLUDE_TAX:-true}"
export BILLING_SUPPORT_EMAIL="${BILLING_SUPPORT_EMAIL:-support@awan-nusantara.example}"
export BILLING_TIME_ZONE="${BILLING_TIME_ZONE:-Asia/Jakarta}"
# A local secret, printed below on purpose: this is a development machine.
export BILLING_CRON_SECRET="${BILLING_CRON_SECRET:-local-cron-secret-0123456789abcdef}"
# The events feed's own read-only secret (never the cron secret), local and printed likewise.
export BILLING_EVENTS_SECRET="${BILLING_EVENTS_SECRET:-local-events-secret-0123456789abcdef}"
# As in production the scheduler runs the jobs on its own (02:00 and 03:00 UTC, and at start-up
# a run missed today). With a test clock you drive the jobs yourself (the tour), so it is off.
if [ -n "${BILLING_TEST_CLOCK:-}" ]; then
  export BILLING_SCHEDULER_ENABLED="${BILLING_SCHEDULER_ENABLED:-false}"
else
  export BILLING_SCHEDULER_ENABLED="${BILLING_SCHEDULER_ENABLED:-true}"
fi

# The local identity (Development only): the API trusts run.sh's own key, scripts/token.sh signs
# with it. A Clerk key or JWKS URL of your own takes precedence.
identity="your Clerk instance (CLERK_JWT_KEY / CLERK_JWKS_URL)"
if [ -z "${CLERK_JWT_KEY:-}${CLERK_JWKS_URL:-}" ]; then
  if [ "$ASPNETCORE_ENVIRONMENT" = Development ]; then
    bash scripts/local-identity.sh
    # shellcheck disable=SC1091
    . "${BILLING_LOCAL_CLERK_DIR:-$repo/.local/clerk}/clerk.env"
    export CLERK_JWT_KEY CLERK_ISSUER CLERK_AUTHORIZED_PARTIES
    identity="local development key (.local/clerk): bash scripts/token.sh USER [--admin]"
  else
    identity="none (outside Development run.sh makes no local key): credit calls answer 401"
  fi
fi

echo "building..." >&2
for project in src/BillingCycle.Api src/BillingCycle.IPaymu.StandIn; do
  dotnet build "$project" -c Release -nologo -v quiet >&2
done
api="src/BillingCycle.Api/bin/Release/net10.0/BillingCycle.Api.dll"
standin="src/BillingCycle.IPaymu.StandIn/bin/Release/net10.0/BillingCycle.IPaymu.StandIn.dll"

dotnet "$api" migrate
# Demo dates are relative to the billing clock: the test clock when one is set, else now.
psql "$DATABASE_URL" -q -v ON_ERROR_STOP=1 -v demo_now="${BILLING_TEST_CLOCK:-}" -f db/demo/demo-data.sql
echo "demo data loaded: 2 plans, 3 users, 3 subscriptions" >&2

# What this run started, for scripts/stop.sh (and for the trap below on Ctrl-C).
rundir="$repo/.local/run"
mkdir -p "$rundir"
pids=()
stop_children() {
  trap - EXIT INT TERM
  [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null || true
  [ ${#pids[@]} -gt 0 ] && wait "${pids[@]}" 2>/dev/null || true
  rm -f "$rundir/api.pid" "$rundir/standin.pid" "$rundir/smtp4dev.pid"
  if [ -z "${external_db:-}" ]; then
    echo "run: API, stand-in and mail catcher stopped; PostgreSQL keeps running on port $BILLING_PG_PORT (bash scripts/stop.sh stops it)" >&2
  fi
}
[ "$DATABASE_URL" = "postgres://postgres@127.0.0.1:$BILLING_PG_PORT/billing" ] || external_db=1
trap stop_children EXIT
trap 'exit 130' INT TERM

# Mail catcher (contract §8.5): smtp4dev, a .NET tool installed once into .local/tools, takes every
# email the service sends and shows it on a web page. Left out when SMTP_URL points elsewhere.
mail_note="not started: SMTP_URL points elsewhere"
if [ -z "${SMTP_URL:-}" ]; then
  [ -x .local/tools/smtp4dev ] || dotnet tool install --tool-path .local/tools Rnwood.Smtp4dev --version 3.15.0 >&2
  .local/tools/smtp4dev --urls="http://127.0.0.1:$mail_web_port" --smtpport="$mail_smtp_port" --bindaddress=127.0.0.1 --imapport=0 --pop3port=0 \
    --db= --hostname=localhost >.local/smtp4dev.log 2>&1 &
  pids+=($!); echo $! >"$rundir/smtp4dev.pid"
  # Up before the API, so its first email does not wait for a retry (on a frozen test clock, a long wait).
  for _ in $(seq 1 120); do (exec 3<>/dev/tcp/127.0.0.1/$mail_smtp_port) 2>/dev/null && break; sleep 0.5; done
  export SMTP_URL="smtp://127.0.0.1:$mail_smtp_port" EMAIL_FROM="${EMAIL_FROM:-Billing <billing@localhost>}"
  mail_note="http://127.0.0.1:$mail_web_port  every email the service sends (SMTP on 127.0.0.1:$mail_smtp_port)"
fi

standin_note="not started: IPAYMU_BASE_URL points elsewhere"
if [ "$IPAYMU_BASE_URL" = "http://127.0.0.1:$standin_port" ]; then
  # The stand-in's page shows the service's clock; it reads it with the local cron secret.
  STANDIN_VA="$IPAYMU_VA" STANDIN_API_KEY="$IPAYMU_API_KEY" \
  STANDIN_BILLING_URL="http://127.0.0.1:$api_port" STANDIN_BILLING_CRON_SECRET="$BILLING_CRON_SECRET" \
    dotnet "$standin" --urls "http://127.0.0.1:$standin_port" &
  pids+=($!); echo $! >"$rundir/standin.pid"
  standin_note="http://127.0.0.1:$standin_port  open payments, with pay / expire / fail buttons"
fi

dotnet "$api" --urls "http://127.0.0.1:$api_port" &
api_pid=$!
pids+=("$api_pid"); echo "$api_pid" >"$rundir/api.pid"
for _ in $(seq 1 120); do
  curl -fsS -o /dev/null "http://127.0.0.1:$api_port/health/live" 2>/dev/null && break
  kill -0 "$api_pid" 2>/dev/null || break
  sleep 0.5
done

if [ -n "${BILLING_TEST_CLOCK:-}" ]; then
  clock="test clock, frozen at $BILLING_TEST_CLOCK (POST /api/billing/test-clock moves it forward)"
  scheduler="OFF: with a test clock you run the jobs (POST /api/billing/renew and /retry, see the tour)"
else
  clock="real time (UTC)"
  scheduler="on: renewal 02:00 UTC, retry 03:00 UTC, and at start-up any run missed today"
fi
[ "$BILLING_SCHEDULER_ENABLED" = false ] && [ -z "${BILLING_TEST_CLOCK:-}" ] && scheduler="OFF (BILLING_SCHEDULER_ENABLED=false)"
# The operator console's sign-in page (contract §9.5) and the command that prints a local admin's
# token to paste there (8 hours). Never a token in a link: the page takes it by POST only.
console_note="http://127.0.0.1:$api_port/admin/sign-in  (paste an admin's Clerk session token)"
if [ "$identity" != "${identity#local development key}" ]; then
  console_note="http://127.0.0.1:$api_port/admin/sign-in  (paste the local admin token that this prints: bash scripts/token.sh admin_local --admin --minutes 480)"
fi
# The customer portal (contract §14): a single-use link for the demo customer Ayu, made as the web
# app makes one (POST /api/portal/sessions with her Clerk token). It lives BILLING_PORTAL_LINK_MINUTES.
portal_note="POST /api/portal/sessions with a customer's Clerk token answers a single-use link"
if [ "$identity" != "${identity#local development key}" ] && kill -0 "$api_pid" 2>/dev/null; then
  portal_url="$(curl -fsS -X POST -H "Authorization: Bearer $(bash scripts/token.sh user_demo_ayu)" \
    -H 'Content-Type: application/json' -d "{\"return_url\": \"$APP_URL/\"}" \
    "http://127.0.0.1:$api_port/api/portal/sessions" 2>/dev/null | sed -nE 's/.*"url":"([^"]+)".*/\1/p')" || portal_url=""
  [ -n "$portal_url" ] && portal_note="$portal_url  (Ayu's single-use link, ${BILLING_PORTAL_LINK_MINUTES:-5} minutes; a new one:"$'\n'"                   curl -X POST -H \"Authorization: Bearer \$(bash scripts/token.sh user_demo_ayu)\" http://127.0.0.1:$api_port/api/portal/sessions)"
fi
secret="$BILLING_CRON_SECRET"
[ "$secret" = "local-cron-secret-0123456789abcdef" ] || secret="(your BILLING_CRON_SECRET, not shown)"
events_secret="$BILLING_EVENTS_SECRET"
[ "$events_secret" = "local-events-secret-0123456789abcdef" ] || events_secret="(your BILLING_EVENTS_SECRET, not shown)"
kill -0 "$api_pid" 2>/dev/null && cat >&2 <<INFO

BillingCycle is running ($ASPNETCORE_ENVIRONMENT)
  API              http://127.0.0.1:$api_port  reference at /docs, OpenAPI at /openapi/v1.json
  iPaymu stand-in  $standin_note
  mail catcher     $mail_note
  database         $(sed -E 's#(//[^:@/]*):[^@/]*@#\1:***@#; s#\?.*##' <<<"$DATABASE_URL")
  billing clock    $clock
  scheduler        $scheduler
  cron secret      $secret  (Authorization: Bearer ... for renew, retry, test-clock)
  events secret    $events_secret  (Authorization: Bearer ... for GET /api/billing/events)
  identity         $identity
                   e.g. curl -H "Authorization: Bearer \$(bash scripts/token.sh user_demo_ayu)" http://127.0.0.1:$api_port/api/credits/balance
                   an admin: bash scripts/token.sh admin_local --admin   (paste into /docs to try any endpoint)
  console          $console_note
  portal           $portal_note
  stop             Ctrl-C stops the API, the stand-in and the mail catcher; bash scripts/stop.sh stops them and PostgreSQL
INFO
set +e
wait "$api_pid"
code=$?
set -e
exit "$code"
