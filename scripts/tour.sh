#!/usr/bin/env bash
# The README's tour of a billing month, played against a running `scripts/run.sh` that was
# started with a test clock:
#   terminal 1:  BILLING_TEST_CLOCK="$(date -u +%Y-%m-%dT%H:00:00Z)" bash scripts/run.sh --fresh
#   terminal 2:  bash scripts/tour.sh
# Renew → Ayu pays → Citra's subscription ends → Budi never pays: past_due, five retries on the
# 1/2/4/7/14-day schedule, then canceled. Needs only curl and psql. The helpers are the README's:
# scripts/tour-helpers.sh.
set -euo pipefail
# shellcheck source=tour-helpers.sh
. "$(dirname "${BASH_SOURCE[0]}")/tour-helpers.sh"
step() { printf '\n== %s\n' "$*"; }

step "1. The 02:00 renewal: Ayu is due today, Citra's plan ends at period end, Budi is due next week"
cron renew
state

step "2. Ayu pays her link on the stand-in (same as its 'pay' button): the callback is confirmed with check-transaction"
gateway "$(open_ref user_demo_ayu)" pay
sleep 1
state
sql "SELECT user_id, credit_type, balance FROM credit_balances ORDER BY 1, 2"
echo "Ayu's own view, with a session token from scripts/token.sh:"
curl -sS -H "Authorization: Bearer $(bash "$(dirname "${BASH_SOURCE[0]}")/token.sh" user_demo_ayu)" "$API/api/credits/balance"; echo

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
sql "SELECT attempt_number, retry_date::date, status FROM payment_retries ORDER BY attempt_number"
sql "SELECT status, cancel_reason FROM subscriptions WHERE user_id = 'user_demo_budi'"
sql "SELECT type, title FROM notifications WHERE user_id = 'user_demo_budi' ORDER BY created_at"
