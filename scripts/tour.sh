#!/usr/bin/env bash
# The README's tour of a billing month, played against a running `scripts/run.sh` that was
# started with a test clock:
#   terminal 1:  BILLING_TEST_CLOCK="$(date -u +%Y-%m-%dT%H:00:00Z)" bash scripts/run.sh --fresh
#   terminal 2:  bash scripts/tour.sh
# Renew → Ayu pays → Citra's subscription ends → Budi never pays: past_due, five retries on the
# 1/2/4/7/14-day schedule, then canceled. Needs only curl and psql.
set -euo pipefail
API="${API:-http://127.0.0.1:8080}"
STANDIN="${STANDIN:-http://127.0.0.1:9300}"
DB="${DATABASE_URL:-postgres://postgres@127.0.0.1:54329/billing}"
SECRET="${BILLING_CRON_SECRET:-local-cron-secret-change-me-0123456789}"

# POST a cron endpoint (renew, retry, test-clock) with the cron secret; prints the JSON answer.
cron() { curl -sS -X POST -H "Authorization: Bearer $SECRET" -H 'Content-Type: application/json' "$API/api/billing/$1" ${2:+-d "$2"}; echo; }
# Moves the service's test clock forward by N days (and optional extra hours).
advance() {
  local now t
  now="$(curl -sS -H "Authorization: Bearer $SECRET" "$API/api/billing/test-clock" | sed 's/.*"now":"\([^"]*\)".*/\1/')"
  t=$(( $(date -u -d "$now" +%s) + $1 * 86400 + ${2:-0} * 3600 ))
  cron test-clock "{\"now\":\"$(date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ)\"}"
}
# The open payment link of a demo user (reference_id of the pending attempt with a link).
open_ref() { psql "$DB" -tAc "SELECT p.reference_id FROM payments p JOIN invoices i ON i.id = p.invoice_id
                               WHERE i.user_id = '$1' AND p.status = 'pending' AND p.session_id IS NOT NULL"; }
# What the customer does on iPaymu's page: pay or let expire. The stand-in posts the signed callback.
gateway() { curl -sS -X POST "$STANDIN/_standin/payments/by-reference/$1/$2" >/dev/null; }
state() {
  psql "$DB" -P pager=off -c "
    SELECT u.full_name AS customer, s.status AS subscription, s.current_period_end::date AS paid_through,
           i.invoice_number, i.status AS invoice, count(p.*) AS attempts,
           (SELECT count(*) FROM payment_retries r WHERE r.invoice_id = i.id AND r.status = 'failed') AS failed_retries
      FROM subscriptions s JOIN users u ON u.id = s.user_id
      LEFT JOIN invoices i ON i.subscription_id = s.id LEFT JOIN payments p ON p.invoice_id = i.id
     GROUP BY 1, 2, 3, 4, 5, i.id ORDER BY 1, 4"
}
step() { printf '\n== %s\n' "$*"; }

step "1. The 02:00 renewal: Ayu is due today, Citra's plan ends at period end, Budi is due next week"
cron renew
state

step "2. Ayu pays her link on the stand-in (same as its 'pay' button): the callback is confirmed with check-transaction"
gateway "$(open_ref user_demo_ayu)" pay
sleep 1
state
psql "$DB" -P pager=off -c "SELECT user_id, credit_type, balance FROM credit_balances ORDER BY 1, 2"
psql "$DB" -P pager=off -c "SELECT user_id, type, title FROM notifications ORDER BY created_at"

step "3. Ten days later Budi is due; his link expires unpaid: past_due, retry 1 tomorrow"
advance 10
cron renew
gateway "$(open_ref user_demo_budi)" expire
sleep 1
state

step "4. Each retry gives Budi a new link, which expires too; retries fall due 1, 2, 4, 7 and 14 days apart"
for days in 1 2 4 7 14; do
  advance "$days"
  cron retry
  ref="$(open_ref user_demo_budi)"
  [ -n "$ref" ] && gateway "$ref" expire && sleep 1
done
state
psql "$DB" -P pager=off -c "SELECT attempt_number, retry_date::date, status FROM payment_retries ORDER BY attempt_number"
psql "$DB" -P pager=off -c "SELECT status, cancel_reason FROM subscriptions WHERE user_id = 'user_demo_budi'"
