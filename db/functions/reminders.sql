-- Reminders (contract §8.3), queued by the housekeeping job: each is a notification (so the outbox
-- emails it like any other) recorded in reminders, whose unique indexes make it at most once
-- per subscription and period end, or per payment attempt, whatever races to queue it.
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- billing_upcoming_renewal, p_days before current_period_end of an active subscription on a paid
-- plan that is not set to cancel. Returns how many were queued (at most p_limit; call again).
CREATE OR REPLACE FUNCTION reminders_queue_upcoming_renewals(p_now timestamptz, p_days integer, p_limit integer)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    v_reminder uuid;
    v_notification uuid;
    v_count integer := 0;
BEGIN
    FOR r IN
        SELECT s.id, s.user_id, s.current_period_end, pl.name AS plan_name, pl.price
          FROM subscriptions s
          -- The plan the renewal will charge: a downgrade scheduled for it (contract §7.5) is the one announced.
          JOIN subscription_plans pl ON pl.id = coalesce(s.scheduled_plan_id, s.plan_id)
         WHERE s.status = 'active'
           AND s.current_period_end > p_now
           AND s.current_period_end <= p_now + make_interval(days => p_days)
           AND NOT s.cancel_at_period_end
           AND pl.price > 0
           AND NOT EXISTS (SELECT 1 FROM reminders x
                            WHERE x.kind = 'upcoming_renewal' AND x.subscription_id = s.id
                              AND x.period_end = s.current_period_end)
         ORDER BY s.current_period_end
         LIMIT p_limit
    LOOP
        INSERT INTO reminders (kind, subscription_id, period_end, created_at)
        VALUES ('upcoming_renewal', r.id, r.current_period_end, p_now)
        ON CONFLICT (subscription_id, period_end) WHERE kind = 'upcoming_renewal' DO NOTHING
        RETURNING id INTO v_reminder;
        CONTINUE WHEN v_reminder IS NULL;
        v_notification := notify(r.user_id, 'billing_upcoming_renewal', '',
                jsonb_build_object('plan_name', r.plan_name, 'renews_on', notify_date(r.current_period_end),
                                   'amount', notify_money(r.price)),
                jsonb_build_object('subscription_id', r.id, 'period_end', r.current_period_end,
                                   'amount', r.price, 'plan_name', r.plan_name),
                p_now);
        UPDATE reminders SET notification_id = v_notification WHERE id = v_reminder;
        v_count := v_count + 1;
    END LOOP;
    RETURN v_count;
END $$;

-- billing_payment_reminder: the current attempt of an open invoice is still unpaid p_hours after
-- it was created (and has a link to pay). Once per attempt; none for a subscription set to cancel.
-- A credit pack's invoice has no subscription (contract §11.4) and is reminded like any open
-- invoice (contract §8.3), in the wording of its variant 'credit_pack'.
CREATE OR REPLACE FUNCTION reminders_queue_unpaid(p_now timestamptz, p_hours integer, p_limit integer)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    v_reminder uuid;
    v_notification uuid;
    v_count integer := 0;
BEGIN
    FOR r IN
        SELECT p.id AS payment_id, p.attempt_number, p.payment_url, p.expires_at, p.amount,
               i.id AS invoice_id, i.invoice_number, i.user_id, s.id AS subscription_id,
               coalesce(i.line_items->>'plan_name', pl.name) AS plan_name, i.line_items->>'pack_name' AS pack_name, i.kind
          FROM payments p
          JOIN invoices i ON i.id = p.invoice_id
          LEFT JOIN subscriptions s ON s.id = i.subscription_id
          LEFT JOIN subscription_plans pl ON pl.id = s.plan_id
         WHERE p.status = 'pending'
           AND p.created_at <= p_now - make_interval(hours => p_hours)
           AND p.payment_url IS NOT NULL
           AND i.status IN ('pending', 'failed')
           AND (i.kind = 'credit_pack' OR (s.status <> 'canceled' AND NOT s.cancel_at_period_end))
           AND NOT EXISTS (SELECT 1 FROM payments newer
                            WHERE newer.invoice_id = i.id AND newer.attempt_number > p.attempt_number)
           AND NOT EXISTS (SELECT 1 FROM reminders x WHERE x.kind = 'payment_reminder' AND x.payment_id = p.id)
         ORDER BY p.created_at
         LIMIT p_limit
    LOOP
        INSERT INTO reminders (kind, subscription_id, payment_id, created_at)
        VALUES ('payment_reminder', r.subscription_id, r.payment_id, p_now)
        ON CONFLICT (payment_id) WHERE kind = 'payment_reminder' DO NOTHING
        RETURNING id INTO v_reminder;
        CONTINUE WHEN v_reminder IS NULL;
        v_notification := notify(r.user_id, 'billing_payment_reminder', CASE WHEN r.kind = 'credit_pack' THEN 'credit_pack' ELSE '' END,
                jsonb_build_object('plan_name', r.plan_name, 'amount', notify_money(r.amount), 'invoice_number', r.invoice_number,
                                   'pack_name', r.pack_name),
                jsonb_build_object('invoice_id', r.invoice_id, 'invoice_number', r.invoice_number, 'amount', r.amount,
                                   'payment_url', r.payment_url, 'expires_at', r.expires_at,
                                   'payment_attempt', r.attempt_number, 'subscription_id', r.subscription_id)
                || CASE WHEN r.kind = 'credit_pack' THEN jsonb_build_object('pack_name', r.pack_name) ELSE '{}'::jsonb END,
                p_now);
        UPDATE reminders SET notification_id = v_notification WHERE id = v_reminder;
        v_count := v_count + 1;
    END LOOP;
    RETURN v_count;
END $$;
