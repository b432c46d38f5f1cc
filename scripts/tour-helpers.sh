# shellcheck shell=bash
# The billing-month tour's helpers, for scripts/tour.sh and for typing the README's tour by hand:
#   source scripts/tour-helpers.sh
# Sourced into your shell: defines variables and functions only (no `set -e`, nothing run).
# Defaults match scripts/run.sh; under docker compose, see the README for the one line to set.
API="${API:-http://127.0.0.1:${BILLING_API_PORT:-8080}}"
STANDIN="${STANDIN:-http://127.0.0.1:${BILLING_STANDIN_PORT:-9300}}"
DB="${DATABASE_URL:-postgres://postgres@127.0.0.1:${BILLING_PG_PORT:-54329}/billing}"
SECRET="${BILLING_CRON_SECRET:-local-cron-secret-0123456789abcdef}"
TOUR_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# A signed-in customer's call, as the web app makes it: api USER METHOD PATH [JSON], with a
# session token from scripts/token.sh. Prints the HTTP status and what it means in one line, then
# the JSON answer.
api() {
  local out
  out="$(curl -sS -w '\n%{http_code}' -X "$2" -H "Authorization: Bearer $(bash "$TOUR_SCRIPTS/token.sh" "$1" ${TOUR_ADMIN:+--admin})" \
    -H 'Content-Type: application/json' "$API$3" ${4:+-d "$4"})" || return
  _said "${out##*$'\n'}" "${out%$'\n'*}"
}
# An operator's call to the admin API (the console's): admin METHOD PATH [JSON], as api with an
# admin's session token (scripts/token.sh admin_local --admin).
admin() { TOUR_ADMIN=1 api admin_local "$@"; }
# "HTTP 201  Starter incomplete; invoice INV-… IDR 49,000 pending", then the body. The one-line
# outcome is read from the JSON by PostgreSQL (psql is already needed; no jq).
_said() {
  local line
  line="$(psql "$DB" -X -tA -v body="$2" 2>/dev/null <<'SQL'
SELECT CASE WHEN j ? 'code' AND j ? 'error' THEN (j ->> 'code') || ': ' || (j ->> 'error') ELSE concat_ws('; ',
         CASE WHEN jsonb_typeof(j -> 'subscription') = 'object' THEN concat_ws(' ', j -> 'subscription' -> 'plan' ->> 'name',
              j -> 'subscription' ->> 'status',
              CASE WHEN (j -> 'subscription' ->> 'cancel_at_period_end')::boolean THEN '(cancels at period end)' END,
              CASE WHEN jsonb_typeof(j -> 'subscription' -> 'scheduled_plan') = 'object'
                   THEN '(then ' || (j -> 'subscription' -> 'scheduled_plan' ->> 'name') || ')' END) END,
         CASE WHEN jsonb_typeof(j -> 'invoice') = 'object' THEN concat_ws(' ', 'invoice', j -> 'invoice' ->> 'invoice_number',
              j -> 'invoice' ->> 'kind', format_idr((j -> 'invoice' ->> 'amount')::bigint), j -> 'invoice' ->> 'status')
              WHEN j ? 'invoice' THEN 'no invoice' END,
         CASE WHEN j ? 'interaction' THEN format('credits: interaction %s, scraper %s', j ->> 'interaction', j ->> 'scraper') END,
         CASE WHEN j ? 'processed' THEN format('processed %s: %s', j ->> 'processed',
              coalesce((SELECT string_agg(k || ' ' || v, ', ' ORDER BY k) FROM jsonb_each_text(j -> 'summary') s(k, v)), 'nothing due'))
              || coalesce('; ' || (SELECT string_agg(k || ' ' || v, ', ' ORDER BY k) FROM jsonb_each_text(j -> 'reconciliation') r(k, v)
                                    WHERE jsonb_typeof(j -> 'reconciliation') = 'object' AND v NOT IN ('0', 'false', '[]', '{}')), '') END,
         CASE WHEN j ? 'duration' AND j ? 'code' THEN format('coupon %s: %s off, %s', j ->> 'code',
              coalesce((j ->> 'percent_off') || '%', format_idr((j ->> 'amount_off')::bigint)),
              concat_ws(' ', j ->> 'duration', (j ->> 'duration_in_periods') || ' periods')) END,
         CASE WHEN j ? 'now' AND NOT j ? 'processed' THEN 'billing clock now ' || (j ->> 'now') END)
       END
  FROM (SELECT :'body'::jsonb AS j) x
SQL
)"
  printf 'HTTP %s  %s\n%s\n' "$1" "$line" "$2"
}
# A plan's id by its name (Starter, Pro): the ids GET /api/plans lists.
plan() { psql "$DB" -X -tAc "SELECT id FROM subscription_plans WHERE name = '$1' AND is_active"; }
# The pay page of a customer's newest invoice (its PDF is the same address + /invoice.pdf).
pay_page() {
  echo "$API/pay/$(psql "$DB" -X -tAc "SELECT public_token FROM invoices WHERE user_id = '$1' ORDER BY created_at DESC, invoice_number DESC LIMIT 1")"
}

# POST a cron endpoint (renew, retry, housekeeping, test-clock) with the cron secret; prints the
# status and the outcome in one line ("processed 2: canceled 1, pending_payment 1"), then the JSON.
cron() {
  local out
  out="$(curl -sS -w '\n%{http_code}' -X POST -H "Authorization: Bearer $SECRET" -H 'Content-Type: application/json' \
    "$API/api/billing/$1" ${2:+-d "$2"})" || return
  _said "${out##*$'\n'}" "${out%$'\n'*}"
}
# Moves the service's test clock forward by N days (and optional extra hours).
# The service's clock now (the test clock), as an ISO-8601 instant.
clock_now() { curl -sS -H "Authorization: Bearer $SECRET" "$API/api/billing/test-clock" | sed -n 's/.*"now":"\([^"]*\)".*/\1/p'; }
advance() {
  local now t
  now="$(clock_now)"
  [ -n "$now" ] || { echo "advance: the service has no test clock (start run.sh with BILLING_TEST_CLOCK)" >&2; return 1; }
  t=$(( $(date -u -d "$now" +%s) + $1 * 86400 + ${2:-0} * 3600 ))
  cron test-clock "{\"now\":\"$(date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ)\"}"
}
# Any SQL against the service's database, printed as a table (never through a pager).
sql() { psql "$DB" -X -P pager=off -c "$1"; }
# The open payment link of a demo user (reference_id of the pending attempt with a link).
open_ref() { psql "$DB" -X -tAc "SELECT p.reference_id FROM payments p JOIN invoices i ON i.id = p.invoice_id
                               WHERE i.user_id = '$1' AND p.status = 'pending' AND p.session_id IS NOT NULL"; }
# What the customer does on iPaymu's page: gateway REFERENCE pay|expire. The stand-in posts the
# signed callback; this waits (up to 10 s) until the service has applied it and prints the outcome:
#   gateway: pay → attempt 1 paid; invoice INV-… paid; Dewi Anggraini's subscription active
gateway() {
  local code st=pending
  [ -n "${1:-}" ] || { echo "gateway: no open payment link (open_ref found none)"; return 1; }
  code="$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$STANDIN/_standin/payments/by-reference/$1/$2")" || return
  [ "$code" = 200 ] || { echo "gateway: the stand-in answered HTTP $code to $2 for $1"; return 1; }
  for _ in $(seq 1 50); do
    st="$(psql "$DB" -X -tAc "SELECT status FROM payments WHERE reference_id = '$1'")"
    [ "$st" != pending ] && break
    sleep 0.2
  done
  psql "$DB" -X -tAc "SELECT format('gateway: %s → attempt %s %s; invoice %s %s; %s''s subscription %s', '$2',
                             p.attempt_number, p.status, i.invoice_number, i.status, coalesce(u.full_name, u.id), s.status)
                        FROM payments p JOIN invoices i ON i.id = p.invoice_id JOIN subscriptions s ON s.id = i.subscription_id
                        JOIN users u ON u.id = i.user_id WHERE p.reference_id = '$1'"
  [ "$st" != pending ] || echo "gateway: the service has not applied the callback yet (is the API running?)"
}
# The customer portal as the web app opens it (POST /api/portal/sessions with USER's token): prints
# the single-use link, what following it answers (303 to the portal, with its session cookie),
# the portal page's own status, and what the same link answers when followed again.
portal() {
  local out url jar
  out="$(curl -sS -w '\n%{http_code}' -X POST -H "Authorization: Bearer $(bash "$TOUR_SCRIPTS/token.sh" "$1")" "$API/api/portal/sessions")" || return
  url="$(sed -nE 's/.*"url":"([^"]+)".*/\1/p' <<<"${out%$'\n'*}")"
  echo "portal: HTTP ${out##*$'\n'}  link $url"
  [ -n "$url" ] || return 1
  jar="$(mktemp)"
  echo "portal: following it → $(curl -sS -o /dev/null -c "$jar" -w 'HTTP %{http_code} to %{redirect_url}' "$url")"
  echo "portal: its page → $(curl -sS -o /dev/null -b "$jar" -w 'HTTP %{http_code}' "$API/portal")"
  echo "portal: the same link again → $(curl -sS -o /dev/null -w 'HTTP %{http_code}' "$url")"
  rm -f "$jar"
}
# Each subscription with its invoices: plan, status, paid-through date, invoice kind and amount,
# attempts, failed retries.
state() {
  sql "SELECT u.full_name AS customer, pl.name AS plan, s.status AS subscription, s.current_period_end::date AS paid_through,
              i.invoice_number, i.kind, i.amount, i.status AS invoice, count(p.*) AS attempts,
              (SELECT count(*) FROM payment_retries r WHERE r.invoice_id = i.id AND r.status = 'failed') AS failed_retries
         FROM subscriptions s JOIN users u ON u.id = s.user_id JOIN subscription_plans pl ON pl.id = s.plan_id
         LEFT JOIN invoices i ON i.subscription_id = s.id LEFT JOIN payments p ON p.invoice_id = i.id
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, i.id ORDER BY 1, 5"
}
