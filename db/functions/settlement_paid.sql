-- Settlement: a payment iPaymu's check-transaction confirmed (SPEC §4.5, §4.10).
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- A payment confirmed paid by check-transaction (SPEC §4.5, §4.10): at most once per invoice.
CREATE OR REPLACE FUNCTION billing_mark_paid(
    p_payment_id uuid, p_transaction_id text, p_amount bigint, p_fee bigint, p_paid_at timestamptz,
    p_response jsonb, p_now timestamptz)
RETURNS TABLE (outcome text, invoice_id uuid, subscription_id uuid, user_id text,
               interaction_credits bigint, scraper_credits bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_invoice_id uuid;
    v_subscription_id uuid;
    s record;
    inv record;
    pay record;
    v_plan text;
    v_interaction bigint;
    v_scraper bigint;
    v_retry integer;
    v_paid_at timestamptz := coalesce(p_paid_at, p_now);
    v_other record;
BEGIN
    SELECT p.invoice_id, i.subscription_id INTO v_invoice_id, v_subscription_id
      FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE p.id = p_payment_id;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'unknown_payment'::text, NULL::uuid, NULL::uuid, NULL::text, NULL::bigint, NULL::bigint;
        RETURN;
    END IF;
    SELECT * INTO s FROM subscriptions WHERE id = v_subscription_id FOR UPDATE;
    SELECT * INTO inv FROM invoices WHERE id = v_invoice_id FOR UPDATE;
    SELECT * INTO pay FROM payments WHERE id = p_payment_id FOR UPDATE;
    v_plan := coalesce(inv.line_items->>'plan_name', (SELECT name FROM subscription_plans WHERE id = s.plan_id));

    IF pay.status = 'paid' THEN
        RETURN QUERY SELECT 'duplicate'::text, inv.id, s.id, s.user_id, 0::bigint, 0::bigint;
        RETURN;
    END IF;

    IF p_amount IS DISTINCT FROM pay.amount THEN
        PERFORM log_billing_event('payment_oddity', s.id, s.user_id, 'error',
                jsonb_build_object('kind', 'amount_mismatch', 'payment_id', pay.id, 'invoice_id', inv.id,
                                   'expected', pay.amount, 'reported', p_amount, 'transaction_id', p_transaction_id),
                'Paid amount does not match the invoice', p_now);
        RETURN QUERY SELECT 'amount_mismatch'::text, inv.id, s.id, s.user_id, 0::bigint, 0::bigint;
        RETURN;
    END IF;

    IF p_transaction_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM payments o WHERE o.transaction_id = p_transaction_id AND o.id <> pay.id) THEN
        PERFORM log_billing_event('payment_oddity', s.id, s.user_id, 'error',
                jsonb_build_object('kind', 'transaction_conflict', 'payment_id', pay.id, 'transaction_id', p_transaction_id),
                'Transaction id already belongs to another payment attempt', p_now);
        RETURN QUERY SELECT 'transaction_conflict'::text, inv.id, s.id, s.user_id, 0::bigint, 0::bigint;
        RETURN;
    END IF;

    IF inv.status IN ('paid', 'cancelled') THEN
        -- Money arrived for an invoice that no longer wants it: keep it, flag it, grant nothing,
        -- reactivate nothing. A person refunds it (iPaymu has no refund API).
        UPDATE payments
           SET status = 'paid', paid_at = v_paid_at, transaction_id = coalesce(transaction_id, p_transaction_id),
               fee = coalesce(p_fee, fee), gateway_response = coalesce(p_response, gateway_response),
               oddity = 'invoice_already_' || inv.status, updated_at = p_now
         WHERE id = pay.id;
        PERFORM log_billing_event('payment_oddity', s.id, s.user_id, 'error',
                jsonb_build_object('kind', 'paid_' || inv.status || '_invoice', 'payment_id', pay.id, 'invoice_id', inv.id,
                                   'amount', p_amount, 'transaction_id', p_transaction_id),
                format('Payment received for invoice %s, which is already %s; nothing granted, refund by hand',
                       inv.invoice_number, inv.status),
                p_now);
        RETURN QUERY SELECT ('invoice_already_' || inv.status)::text, inv.id, s.id, s.user_id, 0::bigint, 0::bigint;
        RETURN;
    END IF;

    UPDATE payments
       SET status = 'paid', paid_at = v_paid_at, transaction_id = coalesce(transaction_id, p_transaction_id),
           fee = coalesce(p_fee, fee), gateway_response = coalesce(p_response, gateway_response),
           failure_reason = NULL, updated_at = p_now
     WHERE id = pay.id;
    UPDATE invoices SET status = 'paid', paid_at = v_paid_at, updated_at = p_now WHERE id = inv.id;
    -- The period advances to the invoice's period; a late payment never moves the anchor.
    UPDATE subscriptions
       SET status = 'active',
           current_period_start = CASE WHEN inv.period_end > current_period_end THEN inv.period_start ELSE current_period_start END,
           current_period_end = GREATEST(current_period_end, inv.period_end),
           updated_at = p_now
     WHERE id = s.id;

    v_interaction := coalesce((inv.line_items->>'interaction_credits')::bigint,
                              (SELECT pl.interaction_credits FROM subscription_plans pl WHERE pl.id = s.plan_id));
    v_scraper := coalesce((inv.line_items->>'scraper_credits')::bigint,
                          (SELECT pl.scraper_credits FROM subscription_plans pl WHERE pl.id = s.plan_id));
    v_retry := pay.attempt_number - 1;
    PERFORM reset_interaction_credits(s.user_id, v_interaction, inv.id::text,
            CASE WHEN v_retry = 0 THEN format('Monthly renewal - %s interaction credits', v_interaction)
                 ELSE format('Monthly renewal (retry #%s) - %s interaction credits', v_retry, v_interaction) END,
            p_now);
    PERFORM add_scraper_credits(s.user_id, v_scraper, inv.id::text,
            CASE WHEN v_retry = 0 THEN format('Monthly renewal - %s scraper credits', v_scraper)
                 ELSE format('Monthly renewal (retry #%s) - %s scraper credits', v_retry, v_scraper) END,
            p_now);

    UPDATE payment_retries r
       SET status = CASE WHEN r.attempt_number = v_retry THEN 'processed' ELSE 'cancelled' END,
           payment_response = CASE WHEN r.attempt_number = v_retry THEN p_response ELSE r.payment_response END,
           updated_at = p_now
     WHERE r.invoice_id = inv.id AND r.status IN ('pending', 'in_progress');
    -- The invoice's other open attempts: found by invoice_id alone (at most six rows), their
    -- status checked here, so no plan can walk the partial index of every pending payment.
    FOR v_other IN SELECT o.id, o.status FROM payments o WHERE o.invoice_id = inv.id LOOP
        IF v_other.status = 'pending' AND v_other.id <> pay.id THEN
            UPDATE payments SET status = 'expired', failure_reason = 'superseded by a paid attempt', updated_at = p_now
             WHERE id = v_other.id;
        END IF;
    END LOOP;

    IF v_retry = 0 THEN
        INSERT INTO notifications (user_id, type, title, message, data, created_at)
        VALUES (s.user_id, 'billing_success', 'Subscription Renewed Successfully',
                format('Your %s subscription has been renewed for another month. %s has been charged to your payment method.',
                       v_plan, format_idr(inv.amount)),
                jsonb_build_object('invoice_id', inv.id, 'invoice_number', inv.invoice_number, 'amount', inv.amount,
                                   'period_start', inv.period_start, 'period_end', inv.period_end),
                p_now);
    ELSE
        INSERT INTO notifications (user_id, type, title, message, data, created_at)
        VALUES (s.user_id, 'billing_success', 'Payment Successful After Retry',
                format('Your %s subscription payment has been successfully processed on retry #%s. Your subscription is now active.',
                       v_plan, v_retry),
                jsonb_build_object('invoice_id', inv.id, 'invoice_number', inv.invoice_number, 'amount', inv.amount,
                                   'attempt_number', v_retry, 'period_start', inv.period_start, 'period_end', inv.period_end),
                p_now);
    END IF;
    PERFORM log_billing_event(CASE WHEN v_retry = 0 THEN 'renewal' ELSE 'retry' END, s.id, s.user_id, 'success',
            jsonb_build_object('invoice_id', inv.id, 'transaction_id', p_transaction_id, 'amount', inv.amount,
                               'attempt_number', v_retry, 'next_period_end', inv.period_end),
            NULL, p_now);
    RETURN QUERY SELECT 'applied'::text, inv.id, s.id, s.user_id, v_interaction, v_scraper;
END $$;
