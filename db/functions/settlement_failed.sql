-- Settlement: an attempt that failed, expired or was refused moves dunning one step (contract §4.6).
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- An attempt failed, expired or was refused (contract §4.6): dunning moves one step, once.
CREATE OR REPLACE FUNCTION billing_fail_payment(
    p_payment_id uuid, p_status text, p_reason text, p_dunning_days integer[],
    p_response jsonb, p_now timestamptz)
RETURNS TABLE (outcome text, next_retry integer, next_retry_date timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    v_invoice_id uuid;
    v_subscription_id uuid;
    s record;
    inv record;
    pay record;
    v_plan text;
    v_retry integer;
    v_days integer;
    v_date timestamptz;
BEGIN
    IF p_status NOT IN ('failed', 'expired') THEN
        RAISE EXCEPTION 'failure status must be failed or expired' USING ERRCODE = '22023';
    END IF;
    SELECT p.invoice_id, i.subscription_id INTO v_invoice_id, v_subscription_id
      FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE p.id = p_payment_id;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'unknown_payment'::text, NULL::integer, NULL::timestamptz;
        RETURN;
    END IF;
    SELECT * INTO s FROM subscriptions WHERE id = v_subscription_id FOR UPDATE;
    SELECT * INTO inv FROM invoices WHERE id = v_invoice_id FOR UPDATE;
    SELECT * INTO pay FROM payments WHERE id = p_payment_id FOR UPDATE;
    v_plan := coalesce(inv.line_items->>'plan_name', (SELECT name FROM subscription_plans WHERE id = s.plan_id));

    IF pay.status <> 'pending' THEN
        RETURN QUERY SELECT 'duplicate'::text, NULL::integer, NULL::timestamptz;
        RETURN;
    END IF;

    UPDATE payments
       SET status = p_status, failure_reason = p_reason,
           gateway_response = coalesce(p_response, gateway_response), updated_at = p_now
     WHERE id = pay.id;

    IF inv.status IN ('paid', 'cancelled') OR s.status = 'canceled' THEN
        RETURN QUERY SELECT 'closed'::text, NULL::integer, NULL::timestamptz;
        RETURN;
    END IF;
    -- A newer attempt is already open for this invoice: an old link expiring changes nothing.
    IF EXISTS (SELECT 1 FROM payments o WHERE o.invoice_id = inv.id AND o.attempt_number > pay.attempt_number) THEN
        RETURN QUERY SELECT 'superseded'::text, NULL::integer, NULL::timestamptz;
        RETURN;
    END IF;

    -- Checkouts and upgrades have no dunning: their invoice stays open for the pay page until
    -- housekeeping withdraws it (contract §7.2, §7.5). A customer's own link on a failed invoice
    -- serves no dunning step either: the retry schedule goes on as it was.
    IF inv.kind <> 'renewal' OR pay.retry_number IS NULL THEN
        RETURN QUERY SELECT 'attempt_closed'::text, NULL::integer, NULL::timestamptz;
        RETURN;
    END IF;

    v_retry := pay.retry_number;
    UPDATE invoices SET status = 'failed', updated_at = p_now WHERE id = inv.id;
    IF v_retry = 0 THEN
        UPDATE subscriptions SET status = 'past_due', updated_at = p_now WHERE id = s.id;
        v_days := p_dunning_days[1];
        v_date := p_now + make_interval(days => v_days);
        PERFORM schedule_payment_retry(s.id, 1, v_date, inv.id, p_now);
        PERFORM notify(s.user_id, 'billing_failed', '',
                jsonb_build_object('plan_name', v_plan, 'amount', notify_money(inv.amount), 'next_retry', notify_date(v_date)),
                jsonb_build_object('invoice_id', inv.id, 'amount', inv.amount, 'next_retry', v_date, 'reason', p_reason),
                p_now);
        PERFORM log_billing_event('renewal', s.id, s.user_id, 'failed',
                jsonb_build_object('invoice_id', inv.id, 'payment_id', pay.id, 'reason', p_reason, 'next_retry', v_date),
                NULL, p_now);
        RETURN QUERY SELECT 'retry_scheduled'::text, 1, v_date;
        RETURN;
    END IF;

    UPDATE payment_retries r SET status = 'failed', updated_at = p_now
     WHERE r.invoice_id = inv.id AND r.attempt_number = v_retry AND r.status IN ('pending', 'in_progress');

    IF v_retry < 5 THEN
        v_days := p_dunning_days[v_retry + 1];
        v_date := p_now + make_interval(days => v_days);
        PERFORM schedule_payment_retry(s.id, v_retry + 1, v_date, inv.id, p_now);
        PERFORM notify(s.user_id, 'billing_failed', 'retry',
                jsonb_build_object('plan_name', v_plan, 'amount', notify_money(inv.amount), 'retry_number', v_retry,
                                   'next_retry', notify_date(v_date)),
                jsonb_build_object('invoice_id', inv.id, 'attempt_number', v_retry, 'next_retry', v_date, 'reason', p_reason),
                p_now);
        PERFORM log_billing_event('retry', s.id, s.user_id, 'failed',
                jsonb_build_object('attempt_number', v_retry, 'invoice_id', inv.id, 'payment_id', pay.id,
                                   'reason', p_reason, 'next_retry', v_date),
                NULL, p_now);
        RETURN QUERY SELECT 'retry_scheduled'::text, v_retry + 1, v_date;
        RETURN;
    END IF;

    PERFORM cancel_subscription(s.id, 'Payment failed after 5 retry attempts', p_now);
    PERFORM notify(s.user_id, 'subscription_cancelled', 'dunning', jsonb_build_object('plan_name', v_plan),
            jsonb_build_object('subscription_id', s.id, 'invoice_id', inv.id, 'reason', 'Payment failed after 5 retry attempts'),
            p_now);
    PERFORM log_billing_event('retry', s.id, s.user_id, 'failed',
            jsonb_build_object('attempt_number', v_retry, 'invoice_id', inv.id, 'payment_id', pay.id,
                               'reason', p_reason, 'action', 'subscription_cancelled'),
            NULL, p_now);
    RETURN QUERY SELECT 'canceled'::text, NULL::integer, NULL::timestamptz;
END $$;
