#!/usr/bin/env bash
# The README's tour, played against a running `scripts/run.sh` that was started with a test clock:
#   terminal 1:  BILLING_TEST_CLOCK="$(date -u +%Y-%m-%dT%H:00:00Z)" bash scripts/run.sh --fresh
#   terminal 2:  bash scripts/tour.sh
# A new customer: Dewi signs up and pays on the stand-in (credits), upgrades three days later
# (a prorated invoice, paid), downgrades (at the next renewal) and cancels at period end. Then a
# billing month: renew → Ayu pays → Citra's subscription ends → Budi is reminded of his renewal,
# never pays (reminded once more): past_due, five retries on the 1/2/4/7/14-day schedule, then
# canceled; at the end of her period Dewi's ends. Then the pricing page: an operator makes a coupon
# and Eka checks out with it, Fajar has a 14-day trial that the renewal turns into his first paid
# month, and Ayu opens the customer portal. Every call prints its HTTP status and outcome
# in one line; the README quotes those lines (a process test compares them with this output).
# Needs only curl and psql. The helpers are the README's: scripts/tour-helpers.sh.
set -euo pipefail
# shellcheck source=tour-helpers.sh
. "$(dirname "${BASH_SOURCE[0]}")/tour-helpers.sh"
step() { printf '\n== %s\n' "$*"; }

step "1. Dewi signs up: the web app writes her user row and checks out the Starter plan"
sql "INSERT INTO users (id, email, full_name, phone) VALUES ('user_dewi', 'dewi@example.com', 'Dewi Anggraini', '081234567804')"
api user_dewi POST /api/subscriptions "{\"plan_id\":\"$(plan Starter)\"}"

step "2. She pays on the stand-in: her subscription is active and she has Starter's credits"
gateway "$(open_ref user_dewi)" pay
api user_dewi GET /api/subscriptions/current
api user_dewi GET /api/credits/balance
echo "Her pay page says Lunas and links the PDF: $(pay_page user_dewi)  (PDF: $(pay_page user_dewi)/invoice.pdf)"

step "3. Three days later she upgrades to Pro: a prorated invoice, paid at once; Pro's credits"
advance 3
api user_dewi POST /api/subscriptions/current/change-plan "{\"plan_id\":\"$(plan Pro)\"}"
gateway "$(open_ref user_dewi)" pay
api user_dewi GET /api/credits/balance

step "4. She downgrades back to Starter (from the next renewal on), then cancels at period end"
api user_dewi POST /api/subscriptions/current/change-plan "{\"plan_id\":\"$(plan Starter)\"}"
api user_dewi POST /api/subscriptions/current/cancel '{"at_period_end":true}'
state

step "5. The 02:00 renewal: Ayu is due today, Citra's plan ends at period end, Budi is due next week"
cron renew
state

step "6. Ayu pays her link on the stand-in (same as its 'pay' button): the callback is confirmed with check-transaction"
gateway "$(open_ref user_demo_ayu)" pay
state
sql "SELECT user_id, credit_type, balance FROM credit_balances ORDER BY 1, 2"
echo "Ayu's own view, with a session token from scripts/token.sh:"
api user_demo_ayu GET /api/credits/balance

step "7. Two days before Budi's period ends housekeeping reminds him; a day after it he is billed, 13 hours later reminded to pay, then his link expires: past_due"
# His period ends 7 to 10 days after the demo data's clock (three weeks ago + one month).
advance 0 "$(psql "$DB" -X -tAc "SELECT floor(extract(epoch FROM current_period_end - interval '2 days' - '$(clock_now)'::timestamptz) / 3600)
                                  FROM subscriptions WHERE user_id = 'user_demo_budi'")"
cron housekeeping
advance 3
cron renew
advance 0 13
cron housekeeping
gateway "$(open_ref user_demo_budi)" expire
state

step "8. Each retry gives Budi a new link, which expires too; retries fall due 1, 2, 4, 7 and 14 days apart"
for days in 1 2 4 7 14; do
  advance "$days"
  cron retry
  ref="$(open_ref user_demo_budi)"
  [ -n "$ref" ] && gateway "$ref" expire
done
state
sql "SELECT attempt_number, retry_date::date, status FROM payment_retries ORDER BY attempt_number"
sql "SELECT status, cancel_reason FROM subscriptions WHERE user_id = 'user_demo_budi'"
sql "SELECT type, title FROM notifications WHERE user_id = 'user_demo_budi' ORDER BY created_at, seq"

step "9. A month after her checkout Dewi's period is over: canceled, not billed; Ayu's second month is invoiced"
cron renew
state
sql "SELECT type, title FROM notifications WHERE user_id = 'user_dewi' ORDER BY created_at, seq"

step "10. Every notification, and the email queued for it (none when SMTP_URL is unset; the mail catcher shows them)"
sql "SELECT n.type, count(*) AS notifications, count(d.id) AS emails FROM notifications n
       LEFT JOIN deliveries d ON d.notification_id = n.id AND d.channel = 'email' GROUP BY 1 ORDER BY 1"

step "11. An operator makes a launch coupon in the admin API; Eka checks out Pro with it: 20% off the first period, PPN on what is left"
admin POST /api/admin/coupons '{"code":"LAUNCH20","name":"Launch 20%","percent_off":20,"duration":"once","max_redemptions":100}'
sql "INSERT INTO users (id, email, full_name, phone) VALUES ('user_eka', 'eka@example.com', 'Eka Putri', '081234567805')"
api user_eka POST /api/subscriptions "{\"plan_id\":\"$(plan Pro)\",\"coupon_code\":\"launch20\"}"
sql "SELECT invoice_number, line_items ->> 'price' AS price, line_items -> 'discount' ->> 'amount' AS discount,
            line_items -> 'tax' ->> 'taxable_base' AS taxable_base, line_items -> 'tax' ->> 'amount' AS ppn_inside, amount
       FROM invoices WHERE user_id = 'user_eka'"
gateway "$(open_ref user_eka)" pay
api user_eka POST /api/subscriptions/current/coupon '{"coupon_code":"LAUNCH20"}'

step "12. Fajar signs up for a plan with a 14-day trial: trialing at once with its credits, no invoice; at trial_end the renewal bills his first month, which he pays"
sql "INSERT INTO subscription_plans (name, price, interaction_credits, scraper_credits, trial_days) VALUES ('Pro Trial', 149000, 1000, 500, 14)"
sql "INSERT INTO users (id, email, full_name, phone) VALUES ('user_fajar', 'fajar@example.com', 'Fajar Nugroho', '081234567806')"
api user_fajar POST /api/subscriptions "{\"plan_id\":\"$(plan 'Pro Trial')\",\"trial\":true}"
api user_fajar GET /api/credits/balance
advance 11
cron housekeeping
advance 3
cron renew
gateway "$(open_ref user_fajar)" pay
sql "SELECT invoice_number, kind, period_start::date, period_end::date, amount, status FROM invoices WHERE user_id = 'user_fajar'"
sql "SELECT type, title FROM notifications WHERE user_id = 'user_fajar' ORDER BY created_at, seq"

step "13. The customer portal: the web app asks for Ayu's single-use link and sends her there"
portal user_demo_ayu
