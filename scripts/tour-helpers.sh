# shellcheck shell=bash
# The billing-month tour's helpers, for scripts/tour.sh and for typing the README's tour by hand:
#   source scripts/tour-helpers.sh
# Sourced into your shell: defines variables and functions only (no `set -e`, nothing run).
# Defaults match scripts/run.sh; under docker compose, see the README for the one line to set.
API="${API:-http://127.0.0.1:${BILLING_API_PORT:-8080}}"
STANDIN="${STANDIN:-http://127.0.0.1:${BILLING_STANDIN_PORT:-9300}}"
DB="${DATABASE_URL:-postgres://postgres@127.0.0.1:${BILLING_PG_PORT:-54329}/billing}"
SECRET="${BILLING_CRON_SECRET:-local-cron-secret-0123456789abcdef}"

# POST a cron endpoint (renew, retry, test-clock) with the cron secret; prints the JSON answer.
cron() { curl -sS -X POST -H "Authorization: Bearer $SECRET" -H 'Content-Type: application/json' "$API/api/billing/$1" ${2:+-d "$2"}; echo; }
# Moves the service's test clock forward by N days (and optional extra hours).
advance() {
  local now t
  now="$(curl -sS -H "Authorization: Bearer $SECRET" "$API/api/billing/test-clock" | sed -n 's/.*"now":"\([^"]*\)".*/\1/p')"
  [ -n "$now" ] || { echo "advance: the service has no test clock (start run.sh with BILLING_TEST_CLOCK)" >&2; return 1; }
  t=$(( $(date -u -d "$now" +%s) + $1 * 86400 + ${2:-0} * 3600 ))
  cron test-clock "{\"now\":\"$(date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ)\"}"
}
# Any SQL against the service's database, printed as a table (never through a pager).
sql() { psql "$DB" -P pager=off -c "$1"; }
# The open payment link of a demo user (reference_id of the pending attempt with a link).
open_ref() { psql "$DB" -tAc "SELECT p.reference_id FROM payments p JOIN invoices i ON i.id = p.invoice_id
                               WHERE i.user_id = '$1' AND p.status = 'pending' AND p.session_id IS NOT NULL"; }
# What the customer does on iPaymu's page: pay or let expire. The stand-in posts the signed callback.
gateway() { curl -sS -X POST "$STANDIN/_standin/payments/by-reference/$1/$2" >/dev/null; }
# Each subscription with its invoices: status, paid-through date, attempts, failed retries.
state() {
  sql "SELECT u.full_name AS customer, s.status AS subscription, s.current_period_end::date AS paid_through,
              i.invoice_number, i.status AS invoice, count(p.*) AS attempts,
              (SELECT count(*) FROM payment_retries r WHERE r.invoice_id = i.id AND r.status = 'failed') AS failed_retries
         FROM subscriptions s JOIN users u ON u.id = s.user_id
         LEFT JOIN invoices i ON i.subscription_id = s.id LEFT JOIN payments p ON p.invoice_id = i.id
        GROUP BY 1, 2, 3, 4, 5, i.id ORDER BY 1, 4"
}
