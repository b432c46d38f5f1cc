-- Settlement: what a paid invoice brings (contract §4.5, §7.2, §7.5), called by billing_mark_paid in
-- its transaction, with the subscription, invoice and payment rows already locked.
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- renewal: the period advances to the invoice's (a late payment never moves the anchor), a
--   scheduled downgrade takes effect; subscription_create: the subscription becomes active;
--   plan_change: the plan changes, the period does not. In every case: interaction credits reset
--   and scraper credits added as the invoice's line items say (both referencing the invoice, so
--   a second grant is refused by credit_transactions_reference_key), open retries closed, the
--   invoice's other open attempts closed, one notification, one billing log.
CREATE OR REPLACE FUNCTION billing_grant_paid_invoice(
    p_invoice_id uuid, p_payment_id uuid, p_transaction_id text, p_response jsonb, p_now timestamptz)
RETURNS TABLE (interaction bigint, scraper bigint)
LANGUAGE plpgsql AS $$
DECLARE
    inv record;
    s record;
    v_plan text;
    v_interaction bigint;
    v_scraper bigint;
    v_retry integer;
    v_what text;
BEGIN
    SELECT * INTO inv FROM invoices WHERE id = p_invoice_id;
    -- A credit pack belongs to no subscription: its credits are added (db/functions/credit_packs.sql).
    IF inv.kind = 'credit_pack' THEN
        RETURN QUERY SELECT g.interaction, g.scraper FROM billing_grant_credit_pack(inv.id, p_payment_id, p_transaction_id, p_now) g;
        RETURN;
    END IF;
    SELECT * INTO s FROM subscriptions WHERE id = inv.subscription_id;
    v_plan := coalesce(inv.line_items->>'plan_name', (SELECT name FROM subscription_plans WHERE id = s.plan_id));
    -- The dunning step this payment closes; a customer's own link on a failed invoice closes the
    -- latest retry that was tried.
    v_retry := coalesce((SELECT p.retry_number FROM payments p WHERE p.id = p_payment_id),
                        (SELECT max(r.attempt_number) FROM payment_retries r WHERE r.invoice_id = inv.id AND r.status <> 'pending'),
                        0);

    IF inv.kind = 'plan_change' THEN
        UPDATE subscriptions
           SET plan_id = (inv.line_items->>'to_plan_id')::uuid, scheduled_plan_id = NULL, updated_at = p_now
         WHERE id = s.id;
    ELSE
        UPDATE subscriptions
           SET status = 'active',
               current_period_start = CASE WHEN inv.period_end > current_period_end THEN inv.period_start ELSE current_period_start END,
               current_period_end = GREATEST(current_period_end, inv.period_end),
               plan_id = CASE WHEN (inv.line_items->>'scheduled_change')::boolean THEN (inv.line_items->>'plan_id')::uuid ELSE plan_id END,
               scheduled_plan_id = CASE WHEN (inv.line_items->>'scheduled_change')::boolean THEN NULL ELSE scheduled_plan_id END,
               updated_at = p_now
         WHERE id = s.id;
    END IF;

    v_interaction := coalesce((inv.line_items->>'interaction_credits')::bigint,
                              (SELECT pl.interaction_credits FROM subscription_plans pl WHERE pl.id = s.plan_id));
    v_scraper := coalesce((inv.line_items->>'scraper_credits')::bigint,
                          (SELECT pl.scraper_credits FROM subscription_plans pl WHERE pl.id = s.plan_id));
    v_what := CASE inv.kind
                  WHEN 'subscription_create' THEN format('Subscription started (%s)', v_plan)
                  WHEN 'plan_change' THEN format('Plan changed to %s', v_plan)
                  WHEN 'renewal' THEN CASE WHEN v_retry = 0 THEN 'Monthly renewal' ELSE format('Monthly renewal (retry #%s)', v_retry) END
              END;
    PERFORM reset_interaction_credits(s.user_id, v_interaction, inv.id::text,
            format('%s - %s interaction credits', v_what, v_interaction), p_now);
    PERFORM add_scraper_credits(s.user_id, v_scraper, inv.id::text,
            format('%s - %s scraper credits', v_what, v_scraper), p_now);

    UPDATE payment_retries r
       SET status = CASE WHEN r.attempt_number = v_retry THEN 'processed' ELSE 'cancelled' END,
           payment_response = CASE WHEN r.attempt_number = v_retry THEN p_response ELSE r.payment_response END,
           updated_at = p_now
     WHERE r.invoice_id = inv.id AND r.status IN ('pending', 'in_progress');
    PERFORM billing_close_open_attempts(inv.id, 'superseded by a paid attempt', p_now);

    IF inv.kind = 'subscription_create' THEN
        PERFORM notify(s.user_id, 'subscription_activated', '',
                jsonb_build_object('plan_name', v_plan, 'amount', notify_money(inv.amount), 'period_end', notify_date(inv.period_end)),
                jsonb_build_object('invoice_id', inv.id, 'invoice_number', inv.invoice_number, 'amount', inv.amount,
                                   'subscription_id', s.id, 'period_start', inv.period_start, 'period_end', inv.period_end),
                p_now);
    ELSIF inv.kind = 'plan_change' THEN
        PERFORM notify(s.user_id, 'plan_changed', '',
                jsonb_build_object('plan_name', v_plan, 'amount', notify_money(inv.amount)),
                jsonb_build_object('invoice_id', inv.id, 'invoice_number', inv.invoice_number, 'amount', inv.amount,
                                   'subscription_id', s.id, 'from_plan', inv.line_items->>'from_plan', 'to_plan', v_plan),
                p_now);
    ELSIF v_retry = 0 THEN
        PERFORM notify(s.user_id, 'billing_success', '',
                jsonb_build_object('plan_name', v_plan, 'amount', notify_money(inv.amount), 'period_end', notify_date(inv.period_end)),
                jsonb_build_object('invoice_id', inv.id, 'invoice_number', inv.invoice_number, 'amount', inv.amount,
                                   'period_start', inv.period_start, 'period_end', inv.period_end),
                p_now);
    ELSE
        PERFORM notify(s.user_id, 'billing_success', 'retry',
                jsonb_build_object('plan_name', v_plan, 'amount', notify_money(inv.amount), 'retry_number', v_retry,
                                   'period_end', notify_date(inv.period_end)),
                jsonb_build_object('invoice_id', inv.id, 'invoice_number', inv.invoice_number, 'amount', inv.amount,
                                   'attempt_number', v_retry, 'period_start', inv.period_start, 'period_end', inv.period_end),
                p_now);
    END IF;
    PERFORM log_billing_event(CASE WHEN inv.kind = 'subscription_create' THEN 'checkout'
                                   WHEN inv.kind = 'plan_change' THEN 'plan_change'
                                   WHEN v_retry = 0 THEN 'renewal' ELSE 'retry' END, s.id, s.user_id, 'success',
            jsonb_build_object('invoice_id', inv.id, 'transaction_id', p_transaction_id, 'amount', inv.amount,
                               'attempt_number', v_retry, 'next_period_end', inv.period_end, 'invoice_kind', inv.kind),
            NULL, p_now);
    RETURN QUERY SELECT v_interaction, v_scraper;
END $$;
