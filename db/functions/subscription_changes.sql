-- Cancel, resume and change plan (contract §7.4, §7.5), each one transaction under the
-- subscription's lock. Outcome words are parsed in Subscriptions/SubscriptionStore.cs.
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- at_period_end: renewal cancels instead of billing (contract §4.3). Otherwise now: open invoices
-- cancelled, their open attempts and retries closed, credits kept, no refund. An incomplete
-- checkout has no period to wait for: it is canceled now either way.
CREATE OR REPLACE FUNCTION billing_customer_cancel(p_subscription_id uuid, p_at_period_end boolean, p_now timestamptz)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    s record;
    v_plan text;
    v_invoice record;
BEGIN
    SELECT sub.*, pl.name AS plan_name INTO s
      FROM subscriptions sub JOIN subscription_plans pl ON pl.id = sub.plan_id
     WHERE sub.id = p_subscription_id FOR UPDATE OF sub;
    IF NOT FOUND OR s.status = 'canceled' THEN
        RETURN 'not_active';
    END IF;
    IF p_at_period_end AND s.status <> 'incomplete' THEN
        IF NOT s.cancel_at_period_end THEN
            UPDATE subscriptions SET cancel_at_period_end = true, updated_at = p_now WHERE id = s.id;
            PERFORM notify(s.user_id, 'subscription_cancel_scheduled', '',
                    jsonb_build_object('plan_name', s.plan_name, 'renews_on', notify_date(s.current_period_end)),
                    jsonb_build_object('subscription_id', s.id, 'period_end', s.current_period_end), p_now);
            PERFORM log_billing_event('subscription', s.id, s.user_id, 'success',
                    jsonb_build_object('action', 'cancel_scheduled', 'period_end', s.current_period_end), NULL, p_now);
        END IF;
        RETURN 'scheduled';
    END IF;

    FOR v_invoice IN SELECT i.id, i.status FROM invoices i WHERE i.subscription_id = s.id LOOP
        IF v_invoice.status IN ('pending', 'failed') THEN
            PERFORM billing_close_open_attempts(v_invoice.id, 'subscription canceled by the customer', p_now);
        END IF;
    END LOOP;
    PERFORM cancel_subscription(s.id, 'Canceled by customer', p_now);
    PERFORM notify(s.user_id, 'subscription_cancelled', '', jsonb_build_object('plan_name', s.plan_name),
            jsonb_build_object('subscription_id', s.id, 'reason', 'Canceled by customer'), p_now);
    PERFORM log_billing_event('subscription', s.id, s.user_id, 'success',
            jsonb_build_object('action', 'canceled_by_customer'), NULL, p_now);
    RETURN 'canceled';
END $$;

CREATE OR REPLACE FUNCTION billing_customer_resume(p_subscription_id uuid, p_now timestamptz)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    s record;
BEGIN
    SELECT sub.*, pl.name AS plan_name INTO s
      FROM subscriptions sub JOIN subscription_plans pl ON pl.id = sub.plan_id
     WHERE sub.id = p_subscription_id FOR UPDATE OF sub;
    IF NOT FOUND OR s.status = 'canceled' THEN
        RETURN 'not_active';
    END IF;
    IF NOT s.cancel_at_period_end THEN
        RETURN 'not_scheduled';
    END IF;
    UPDATE subscriptions SET cancel_at_period_end = false, updated_at = p_now WHERE id = s.id;
    PERFORM notify(s.user_id, 'subscription_resumed', '',
            jsonb_build_object('plan_name', s.plan_name, 'renews_on', notify_date(s.current_period_end)),
            jsonb_build_object('subscription_id', s.id, 'period_end', s.current_period_end), p_now);
    PERFORM log_billing_event('subscription', s.id, s.user_id, 'success', jsonb_build_object('action', 'resumed'), NULL, p_now);
    RETURN 'resumed';
END $$;
