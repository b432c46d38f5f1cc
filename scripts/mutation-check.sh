#!/usr/bin/env bash
# Proves the test suite guards the money: each mutant is this tree with one deliberate defect
# (a dropped constraint, a callback trusted without check-transaction); the suite must FAIL on
# every one. Copies the tracked files to .local/mutants/<name>, breaks them, runs the README's
# test command there against the local PostgreSQL, and reports which tests caught it.
#   bash scripts/mutation-check.sh                 all mutants, each against the tests that guard it
#   bash scripts/mutation-check.sh invoice-unique  one of them
#   MUTANT_FULL=1 bash scripts/mutation-check.sh invoice-unique
#                                                  against the whole suite (a full test run per mutant)
#   MUTANT_TEST_FILTER=FullyQualifiedName~Deliver bash scripts/mutation-check.sh outbox-trigger-dropped
#                                                  against the tests this filter names (dotnet test --filter)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

# One line a mutant, in the order they run: its name :: the tests that guard its rule (a dotnet
# test filter: a mutant runs against these, a fresh build and a few test classes, unless
# MUTANT_FULL=1 asks for the whole suite; each list is the set of tests that failed when the
# mutant ran against the whole suite) :: the defect it plants.
declare -A describe=() guards=()
all_mutants=()
while IFS= read -r line; do
  [ -n "$line" ] || continue
  name="${line%% :: *}"; rest="${line#* :: }"
  guards[$name]="${rest%% :: *}"; describe[$name]="${rest#* :: }"; all_mutants+=("$name")
done <<'TABLE'
invoice-unique :: FullyQualifiedName~RenewalConcurrencyTests|FullyQualifiedName~SeedFunctionTests :: drop UNIQUE (subscription_id, period_start) on invoices
callback-trusted :: FullyQualifiedName~IntegrationTests.Settlement|FullyQualifiedName~IntegrationTests.Webhooks :: act on the callback body instead of iPaymu's check-transaction answer
grant-twice :: FullyQualifiedName~CreditsApiTests|FullyQualifiedName~SeedFunctionTests :: drop both guards against a second credit grant for one reference (the constraint, the checks under the lock)
reference-fallback :: FullyQualifiedName~CallbackMatchingTests :: match the attempt by the callback's claimed reference when iPaymu's answer names none
paidstatus-alone :: FullyQualifiedName~TransactionStatusTests :: count PaidStatus "paid" as paid whatever the Status code
migrations-rls-off :: FullyQualifiedName~MigrationTests|FullyQualifiedName~Supabase :: schema_migrations created without row-level security
ledger-order :: FullyQualifiedName~LedgerOrderTests :: take a credit change's time from the request, not from under the balance lock
org-role-without-org-id :: FullyQualifiedName~CreditsAuthTests :: an organization admin role counts without o.id = CLERK_ADMIN_ORG_ID
shared-callback-breaker :: FullyQualifiedName~CallbackBreakerTests :: callbacks' check-transaction calls share the jobs' client and circuit breaker
live-subscription-unique :: FullyQualifiedName~CheckoutTests :: drop the unique index that keeps one live subscription per user
upgrade-before-payment :: FullyQualifiedName~IntegrationTests.Subscriptions :: an upgrade changes the plan when it is invoiced, not when it is paid
outbox-trigger-dropped :: FullyQualifiedName~IntegrationTests.Deliveries :: a notification no longer queues its email in its own transaction (trigger removed)
claim-without-skip-locked :: FullyQualifiedName~IntegrationTests.Deliveries :: the delivery worker claims due rows with a plain select (no FOR UPDATE SKIP LOCKED)
console-antiforgery-off :: FullyQualifiedName~ConsoleActionTests :: the console's POSTs are no longer checked for their antiforgery token
scheduler-gives-up-on-held-lock :: FullyQualifiedName~IntegrationTests.Scheduling :: an occurrence that finds its job's lock held is skipped, not tried again once it is free
second-payment-as-duplicate :: FullyQualifiedName~IntegrationTests.Webhooks.WebhookTests :: another transaction paying an attempt already paid passes for a duplicate callback (no oddity)
idempotent-change-outside-key :: FullyQualifiedName~IdempotencyCrashTests :: a credit change under an Idempotency-Key commits on its own, before the key's stored answer
webhook-in-pay-bucket :: FullyQualifiedName~RateLimitBucketTests :: the webhook back in the pay pages' per-address bucket (every callback counted, signed or not)
tax-half-even :: FullyQualifiedName~InvoiceComposerTests|FullyQualifiedName~ProrationAndTaxTests :: the invoice composer rounds PPN and DPP nilai lain half to even (double precision) instead of half up
tax-on-full-price :: FullyQualifiedName~InvoiceComposerTests|FullyQualifiedName~ProrationAndTaxTests :: the invoice composer computes PPN on the full price instead of on DPP nilai lain
refund-limit-dropped :: FullyQualifiedName~IntegrationTests.Refunds.RefundTests :: drop the check constraint that keeps an invoice's refunds within its amount (concurrent refunds then pass it)
revoke-below-zero :: FullyQualifiedName~IntegrationTests.Refunds.RefundTests :: a refund's revocation takes its whole share whatever the balance (the ledger's revoke no longer stops at zero)
manual-payment-grants-twice :: FullyQualifiedName~IntegrationTests.ManualPayments :: a recorded payment grants what a paid invoice brings itself as well as through billing_mark_paid (a second copy of paid)
portal-invoice-not-owned :: FullyQualifiedName~IntegrationTests.Portal.PortalRefusalTests :: the portal's pay button no longer checks that the invoice is the signed-in customer's (another user's invoice id gets a payment attempt)
database-away-is-500 :: FullyQualifiedName~ProcessTests.PostgresCrashTests.Immediate_stop|FullyQualifiedName~UnitTests.Infrastructure.DatabaseOutageTests :: the database away is not recognised, so a request that meets it is answered 500 INTERNAL_ERROR instead of 503 with a code
redemption-limit-dropped :: FullyQualifiedName~IntegrationTests.Coupons.CouponRedemptionTests :: a coupon's max_redemptions no longer held: the counter UPDATE loses its guard and the table its check (concurrent redemptions then pass the limit)
pack-granted-once :: FullyQualifiedName~IntegrationTests.CreditPacks :: a paid credit pack's ledger row references the paying attempt, not the invoice (the ledger's unique reference no longer holds one grant per pack invoice)
scheduler-any-run-covers :: FullyQualifiedName~HeldLockTests :: an occurrence that waited for its job's lock counts as covered by any run of the job (one that started before it, or was abandoned), not only by a live run covering it
one-trial-per-user-dropped :: FullyQualifiedName~IntegrationTests.Subscriptions.TrialTests :: trial_users loses its primary key, so a user who had a trial gets another one
allowance-once-dropped :: FullyQualifiedName~IntegrationTests.Subscriptions.YearlyPlanTests :: a yearly plan's monthly allowance is referenced by the run's time as well as (invoice, month), so the ledger's unique key no longer grants each month once
credit-batch-events-unfiltered :: FullyQualifiedName~CreditBatchEventsTests :: the credits statement trigger loses its kind filter, so a batch's consume is sent to the web app as credits.granted
allowance-after-cancel-granted :: FullyQualifiedName~IntegrationTests.Subscriptions.YearlyPlanTests :: a yearly plan's months go on being granted after the subscription was canceled now (the cancellation clause of billing_grant_allowances dropped)
portal-pack-key-ignored :: FullyQualifiedName~IntegrationTests.Portal.PortalPricingTests :: the portal's buy form key is claimed under a fresh endpoint on every click, so a buy button sent twice buys two packs
portal-pack-abort-rolls-back :: FullyQualifiedName~IntegrationTests.Portal.PortalPricingTests :: a claimed form key's change runs with the request's token, so a request aborted after its purchase committed rolls the claim back and the repeat buys a second pack
waived-charge-refundable :: FullyQualifiedName~IntegrationTests.Coupons.ChargeWaiverTests :: an invoice settled by a waived charge (no money taken) can be refunded: money leaves that never came in
pack-under-minimum-sold :: FullyQualifiedName~IntegrationTests.Coupons.ChargeWaiverTests :: a credit pack whose total is under the minimum charge is no longer refused at purchase, so a pack that can never be paid (or, waived, never stays open) is sold
waived-payment-collects-unchecked :: FullyQualifiedName~IntegrationTests.Coupons.ChargeWaiverTests :: the check that a waived payment records 0 is dropped, so a waived payment may record money that was never collected
TABLE

mutate() {
  case "$1" in
    invoice-unique)
      # As a developer "simplifying" would: the constraint, the index that replaced it, and the ON CONFLICT that needs them.
      perl -0pi -e 's/,\n(\s*--[^\n]*\n)*\s*CONSTRAINT invoices_subscription_period_key UNIQUE \(subscription_id, period_start\)//' db/migrations/0001_schema.sql
      perl -0pi -e "s/CREATE UNIQUE INDEX IF NOT EXISTS invoices_subscription_period_key\n\s*ON invoices \(subscription_id, period_start\) WHERE kind <> 'plan_change';//" db/migrations/0014_subscription_lifecycle.sql
      perl -0pi -e "s/\n\s*ON CONFLICT \(subscription_id, period_start\) WHERE kind <> 'plan_change' DO NOTHING//" db/functions/billing_renewal.sql
      ! grep -q 'CONSTRAINT invoices_subscription_period_key' db/migrations/0001_schema.sql \
        && ! grep -q 'CREATE UNIQUE INDEX IF NOT EXISTS invoices_subscription_period_key' db/migrations/0014_subscription_lifecycle.sql \
        && ! grep -q 'ON CONFLICT (subscription_id, period_start)' db/functions/billing_renewal.sql ;;
    callback-trusted)
      perl -0pi -e 's/slots\.TryRunAsync\(\(\) => ipaymu\.CheckTransactionAsync\(transactionId, CancellationToken\.None\)\)/Task.FromResult((ipaymu is not null \&\& slots is not null, (IPaymu.Models.TransactionStatus?)new IPaymu.Models.TransactionStatus(transactionId, callback.SessionId, callback.ReferenceId, callback.Amount, callback.Fee, int.TryParse(callback.StatusCode, out var sc) ? sc : null, callback.Status, null, null, null, null, default)))/' src/BillingCycle.Api/Settlement/TransactionConfirmation.cs
      ! grep -q 'ipaymu.CheckTransactionAsync' src/BillingCycle.Api/Settlement/TransactionConfirmation.cs ;;
    grant-twice)
      # Both guards against a second grant for one reference: the constraint and the check under the lock.
      perl -0pi -e 's/,\n(\s*--[^\n]*\n)*\s*CONSTRAINT credit_transactions_reference_key UNIQUE \(user_id, credit_type, kind, reference_id\)//' db/migrations/0001_schema.sql
      # The check under the lock lives in credits_apply_many alone (apply_credit_change_ex is a batch of one).
      perl -0pi -e 's/IF v_id IS NOT NULL THEN\n(\s*)transaction_id := v_id; new_balance := v_after; replayed := true;/IF false THEN\n$1transaction_id := v_id; new_balance := v_after; replayed := true;/' db/functions/credits.sql
      ! grep -q credit_transactions_reference_key db/migrations/0001_schema.sql \
        && ! grep -q 'IF v_id IS NOT NULL THEN' db/functions/credits.sql ;;
    reference-fallback)
      perl -0pi -e 's/status\.ReferenceId is null && status\.SessionId is null\s*\?\s*null\s*:\s*await store\.FindAsync\(status\.ReferenceId,/await store.FindAsync(status.ReferenceId ?? claimedReference,/; s/!NamesAttempt\(status, attempt\)/false/' src/BillingCycle.Api/Settlement/TransactionConfirmation.cs
      grep -q 'status.ReferenceId ?? claimedReference' src/BillingCycle.Api/Settlement/TransactionConfirmation.cs ;;
    paidstatus-alone)
      perl -0pi -e 's/(or TransactionState\.Escrow);/$1\n        || string.Equals(PaidStatus, "paid", StringComparison.OrdinalIgnoreCase);/' src/BillingCycle.IPaymu/Models/Results.cs
      grep -q 'string.Equals(PaidStatus, "paid"' src/BillingCycle.IPaymu/Models/Results.cs ;;
    migrations-rls-off)
      # The migrator still creates schema_migrations, but never switches its row-level security on.
      perl -0pi -e 's/\n\s*ALTER TABLE schema_migrations ENABLE ROW LEVEL SECURITY;//' src/BillingCycle.Api/Infrastructure/Database/Migrator.cs
      ! grep -q 'ALTER TABLE schema_migrations ENABLE ROW LEVEL SECURITY' src/BillingCycle.Api/Infrastructure/Database/Migrator.cs ;;
    shared-callback-breaker)
      perl -0pi -e 's/\[FromKeyedServices\(ServiceCollectionExtensions\.CallbacksClient\)\] IPaymuClient ipaymu/IPaymuClient ipaymu/' src/BillingCycle.Api/Settlement/TransactionConfirmation.cs
      ! grep -q 'FromKeyedServices' src/BillingCycle.Api/Settlement/TransactionConfirmation.cs ;;
    ledger-order)
      # credits_apply_many, the one ledger rule (billing's grants too): each change's own request time, not from under the lock.
      perl -0pi -e 's/v_at := CASE WHEN v_seq > 1 THEN greatest\(p_nows\[i\], v_last_at\) ELSE p_nows\[i\] END;/v_at := p_nows[i];/' db/functions/credits.sql
      grep -q 'v_at := p_nows\[i\];' db/functions/credits.sql ;;
    org-role-without-org-id)
      # As a developer "simplifying" would: the role alone, whichever organization it is in.
      perl -0pi -e 's/var \(orgId, orgRole\) = ActiveOrganization\(claims\);/var (_, orgRole) = ActiveOrganization(claims);/; s/string\.Equals\(orgId, _organizationId, StringComparison\.Ordinal\)\s*&&\s*//' src/BillingCycle.Api/Infrastructure/Auth/AdminRule.cs
      ! grep -q 'string.Equals(orgId, _organizationId' src/BillingCycle.Api/Infrastructure/Auth/AdminRule.cs ;;
    live-subscription-unique)
      perl -0pi -e "s/CREATE UNIQUE INDEX IF NOT EXISTS subscriptions_one_live_per_user ON subscriptions \(user_id\) WHERE status <> 'canceled';//" db/migrations/0014_subscription_lifecycle.sql
      ! grep -q 'CREATE UNIQUE INDEX IF NOT EXISTS subscriptions_one_live_per_user' db/migrations/0014_subscription_lifecycle.sql ;;
    upgrade-before-payment)
      perl -0pi -e 's/(VALUES \(v_invoice, 1, v_number \|\| \x27-1\x27, v_total\.amount, \x27pending\x27, 0, p_now, p_now\)\n\s*RETURNING id INTO v_payment;)/$1\n    UPDATE subscriptions SET plan_id = np.id, updated_at = p_now WHERE id = s.id;/' db/functions/subscription_plan_change.sql
      grep -q 'UPDATE subscriptions SET plan_id = np.id, updated_at = p_now WHERE id = s.id;' db/functions/subscription_plan_change.sql ;;
    outbox-trigger-dropped)
      perl -0pi -e 's/CREATE OR REPLACE TRIGGER notifications_queue_email AFTER INSERT ON notifications\n\s*FOR EACH ROW EXECUTE FUNCTION deliveries_queue_email\(\);\n//' db/functions/deliveries.sql
      ! grep -q 'TRIGGER notifications_queue_email' db/functions/deliveries.sql ;;
    idempotent-change-outside-key)
      # As a developer "simplifying" would: every credit change through the balance batches, the key's transaction ignored.
      perl -0pi -e 's/Features\.Get<IdempotencyScope>\(\) is \{ \} scope\n/Features.Get<IdempotencyScope>() is { } scope \&\& false\n/' src/BillingCycle.Api/Credits/CreditHandlers.cs
      grep -q 'is { } scope && false' src/BillingCycle.Api/Credits/CreditHandlers.cs ;;
    claim-without-skip-locked)
      perl -0pi -e 's/\n\s*FOR UPDATE SKIP LOCKED\),/),/' db/functions/deliveries.sql
      ! grep -qE '^\s+FOR UPDATE SKIP LOCKED' db/functions/deliveries.sql ;;
    console-antiforgery-off)
      perl -0pi -e 's/&& !await antiforgery\.IsRequestValidAsync\(http\)/\&\& antiforgery is null/' src/BillingCycle.Api/Console/ConsoleHeaders.cs
      ! grep -q 'IsRequestValidAsync' src/BillingCycle.Api/Console/ConsoleHeaders.cs ;;
    scheduler-gives-up-on-held-lock)
      # The occurrence takes a held lock for "another instance has it" and gives up on it.
      perl -0pi -e 's/(\n\s*)(try\n\s*\{\n\s*await Task\.Delay\(LockRetryPause, stoppingToken\);)/$1if (LockRetryPause > TimeSpan.Zero) { return new OccurrenceOutcome.Covered(); }$1$2/' src/BillingCycle.Api/Jobs/JobRunner.cs
      grep -q 'if (LockRetryPause > TimeSpan.Zero) { return new OccurrenceOutcome.Covered(); }' src/BillingCycle.Api/Jobs/JobRunner.cs ;;
    scheduler-any-run-covers)
      perl -0pi -e "s/ AND status <> 'abandoned' AND covers @> \\\$2::timestamptz\)\";/ AND \\\$2::timestamptz IS NOT NULL)\";/" src/BillingCycle.Api/Jobs/JobRunStore.cs
      grep -q 'WHERE job = \$1 AND \$2::timestamptz IS NOT NULL)";' src/BillingCycle.Api/Jobs/JobRunStore.cs ;;
    second-payment-as-duplicate)
      perl -0pi -e 's/IF p_transaction_id IS NOT NULL AND pay\.transaction_id IS NOT NULL/IF false AND pay.transaction_id IS NOT NULL/' db/functions/settlement_paid.sql
      grep -q 'IF false AND pay.transaction_id IS NOT NULL' db/functions/settlement_paid.sql ;;
    webhook-in-pay-bucket)
      perl -0pi -e 's/(\.AllowAnonymous\(\)\n)(\s*)(\/\/ No route-level bucket[^\n]*\n)/$1$2.RequireRateLimiting(RateLimits.PayPages)\n/' src/BillingCycle.Api/Webhooks/WebhooksApi.cs
      grep -q 'RequireRateLimiting(RateLimits.PayPages)' src/BillingCycle.Api/Webhooks/WebhooksApi.cs ;;
    tax-half-even)
      # As float8 arithmetic would: PostgreSQL's round(double precision) breaks ties to even.
      perl -pi -e 's/round\(/round(0::float8 + /g' db/functions/invoice_composer.sql
      grep -q 'round(0::float8 + ' db/functions/invoice_composer.sql ;;
    tax-on-full-price)
      # PPN at the rate of the whole price, as if DPP nilai lain did not exist.
      perl -0pi -e 's/round\(s\.p \* s\.r \* s\.n \/ \(100 \* s\.d \+ s\.r \* s\.n\)\)/round(s.p * s.r \/ (100 + s.r))/; s/round\(round\(s\.p \* s\.n \/ s\.d\) \* s\.r \/ 100\)/round(s.p * s.r \/ 100)/' db/functions/invoice_composer.sql
      grep -q 'round(s.p \* s.r / 100)' db/functions/invoice_composer.sql && grep -q 'round(s.p \* s.r / (100 + s.r))' db/functions/invoice_composer.sql ;;
    refund-limit-dropped)
      perl -0pi -e 's/\nALTER TABLE invoices ADD CONSTRAINT invoices_refund_within_amount CHECK \([^\n]*\);//' db/migrations/0070_refunds.sql
      ! grep -q 'ADD CONSTRAINT invoices_refund_within_amount' db/migrations/0070_refunds.sql ;;
    revoke-below-zero)
      perl -0pi -e "s/WHEN 'revoke'  THEN greatest\(v_balance - p_amounts\[i\], 0\)/WHEN 'revoke'  THEN v_balance - p_amounts[i]/" db/functions/credits.sql
      grep -q "WHEN 'revoke'  THEN v_balance - p_amounts\[i\]\$" db/functions/credits.sql ;;
    manual-payment-grants-twice)
      perl -0pi -e 's/(FROM billing_mark_paid\(v_payment_id, NULL, p_amount, 0, v_paid_at, v_details, p_now\) m;)/$1\n    PERFORM billing_grant_paid_invoice(inv.id, v_payment_id, NULL, v_details, p_now);/' db/functions/manual_payments.sql
      grep -q 'PERFORM billing_grant_paid_invoice(inv.id, v_payment_id' db/functions/manual_payments.sql ;;
    portal-invoice-not-owned)
      perl -0pi -e 's/if \(await reader\.InvoiceAsync\(id, request\.UserId, request\.Cancellation\) is null\)/if (false \&\& await reader.InvoiceAsync(id, request.UserId, request.Cancellation) is null)/' src/BillingCycle.Api/Portal/Handlers/InvoiceHandlers.cs
      grep -q 'if (false && await reader.InvoiceAsync(id, request.UserId' src/BillingCycle.Api/Portal/Handlers/InvoiceHandlers.cs ;;
    database-away-is-500)
      perl -0pi -e 's/public static bool Is\(Exception\? ex\) => ex switch/public static bool Is(Exception? ex) => ex is null \&\& ex switch/' src/BillingCycle.Api/Infrastructure/Database/DatabaseOutage.cs
      grep -q 'ex is null && ex switch' src/BillingCycle.Api/Infrastructure/Database/DatabaseOutage.cs ;;
    redemption-limit-dropped)
      perl -0pi -e 's/\n\s*WHERE k\.id = c\.id AND \(k\.max_redemptions IS NULL OR k\.times_redeemed < k\.max_redemptions\);/\n         WHERE k.id = c.id;/' db/functions/coupons.sql
      perl -0pi -e 's/,\n\s*CONSTRAINT coupons_within_max_redemptions\n[^\n]*\)\)//' db/migrations/0110_coupons.sql
      ! grep -q 'k.times_redeemed < k.max_redemptions' db/functions/coupons.sql \
        && ! grep -q 'coupons_within_max_redemptions' db/migrations/0110_coupons.sql ;;
    pack-granted-once)
      perl -0pi -e "s/(PERFORM apply_credit_change\(inv\.user_id, v_type, 'add', v_credits, )inv\.id::text,/\$1inv.id::text || ':' || p_payment_id::text,/" db/functions/credit_packs.sql
      grep -q "v_credits, inv.id::text || ':' || p_payment_id::text," db/functions/credit_packs.sql ;;
    one-trial-per-user-dropped)
      perl -0pi -e 's/user_id          text PRIMARY KEY REFERENCES users \(id\),/user_id          text NOT NULL REFERENCES users (id),/' db/migrations/0100_yearly_plans_and_trials.sql
      ! grep -q 'user_id          text PRIMARY KEY REFERENCES users (id),' db/migrations/0100_yearly_plans_and_trials.sql ;;
    allowance-once-dropped)
      perl -pi -e "s/inv\.id \|\| ':m' \|\| \(m\.month \+ 1\) AS reference_id/inv.id || ':m' || (m.month + 1) || ':' || extract(epoch FROM p_now)::bigint AS reference_id/" db/functions/yearly_allowances.sql
      grep -q 'extract(epoch FROM p_now)::bigint AS reference_id' db/functions/yearly_allowances.sql ;;
    allowance-after-cancel-granted)
      perl -pi -e 's/AND \(s\.canceled_at IS NULL OR ms\.month_start <= s\.canceled_at\)/AND true/' db/functions/yearly_allowances.sql
      ! grep -q 's.canceled_at IS NULL OR ms.month_start <= s.canceled_at' db/functions/yearly_allowances.sql ;;
    credit-batch-events-unfiltered)
      perl -0pi -e "s/\n\s*WHERE n\.kind IN \('reset', 'add', 'revoke'\)//" db/functions/events.sql
      ! grep -q "WHERE n.kind IN ('reset', 'add', 'revoke')" db/functions/events.sql ;;
    portal-pack-key-ignored)
      perl -0pi -e 's/RunOnceAsync\(request\.UserId, Endpoint, key,/RunOnceAsync(request.UserId, Endpoint + Guid.NewGuid(), key,/' src/BillingCycle.Api/Portal/Handlers/PackHandlers.cs
      grep -q 'RunOnceAsync(request.UserId, Endpoint + Guid.NewGuid(), key,' src/BillingCycle.Api/Portal/Handlers/PackHandlers.cs ;;
    portal-pack-abort-rolls-back)
      perl -pi -e 's/var json = await change\(CancellationToken\.None\);/var json = await change(ct);/' src/BillingCycle.Api/Infrastructure/Http/IdempotencyFilter.cs
      grep -q 'var json = await change(ct);' src/BillingCycle.Api/Infrastructure/Http/IdempotencyFilter.cs ;;
    waived-charge-refundable)
      perl -0pi -e "s/AND p\.status = 'paid' AND p\.provider = 'waived'\) THEN/AND p.status = 'paid' AND p.provider = 'never') THEN/" db/functions/refunds.sql
      grep -q "p.provider = 'never') THEN" db/functions/refunds.sql ;;
    pack-under-minimum-sold)
      perl -pi -e "s/IF billing_charge_waived\(v_total\.amount, p_min_charge\) THEN/IF false AND billing_charge_waived(v_total.amount, p_min_charge) THEN/" db/functions/credit_packs.sql
      grep -q 'IF false AND billing_charge_waived' db/functions/credit_packs.sql ;;
    waived-payment-collects-unchecked)
      perl -pi -e "s/CHECK \(provider <> 'waived' OR amount = 0\)/CHECK (true)/" db/migrations/0171_waived_payments_collect_nothing.sql
      grep -q 'CHECK (true)' db/migrations/0171_waived_payments_collect_nothing.sql ;;
    *) echo "unknown mutant $1" >&2; return 1 ;;
  esac
}

mutants=("$@"); [ ${#mutants[@]} -gt 0 ] || mutants=("${all_mutants[@]}")
# A misspelt name is refused before a cluster is started or a copy built for it.
for m in "${mutants[@]}"; do
  [ -n "${guards[$m]+set}" ] || { echo "no mutant named $m (known: ${all_mutants[*]})" >&2; exit 2; }
done
url="${DATABASE_URL:-$(BILLING_PG_FAST=1 bash scripts/local-postgres.sh --print-url)}"
survived=0
for m in "${mutants[@]}"; do
  filter=()
  if [ -n "${MUTANT_TEST_FILTER:-}" ]; then filter=(--filter "$MUTANT_TEST_FILTER")
  elif [ "${MUTANT_FULL:-}" != 1 ]; then filter=(--filter "${guards[$m]}")
  fi
  dir="$repo/.local/mutants/$m"
  rm -rf "$dir"; mkdir -p "$dir"
  git ls-files -z | xargs -0 tar -cf - | tar -C "$dir" -xf -
  (cd "$dir" && mutate "$m") || { echo "mutant $m: the mutation did not apply; update this script" >&2; exit 2; }
  echo "== mutant $m: ${describe[$m]}${filter[1]:+ (tests: ${filter[1]})}"
  log="$dir/test.log"
  set +e
  (cd "$dir" && DATABASE_URL="$url" bash scripts/test.sh "${filter[@]}" >"$log" 2>&1)
  code=$?
  set -e
  summary="$(tail -n1 "$log")"
  if [ "$code" -eq 0 ]; then
    survived=$((survived + 1))
    echo "   SURVIVED: the suite still passes ($summary)"
  elif [[ "$summary" =~ ^[0-9]+\ passed,\ [1-9][0-9]*\ failed$ ]]; then
    echo "   caught: $summary"
    grep -E '^\s+Failed [A-Za-z]' "$log" | sed -E 's/^\s+Failed /   - /; s/ \[[^]]*\]$//' | sort -u | head -n 12 || true
  else
    # A mutant that does not build or run proves nothing about the tests.
    survived=$((survived + 1))
    echo "   BROKEN: the suite did not run to a result (see $log): $summary"
  fi
done
[ "$survived" -eq 0 ] && echo "every mutant was caught" || { echo "$survived mutant(s) survived"; exit 1; }
