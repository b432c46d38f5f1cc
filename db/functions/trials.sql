-- Trials (contract §11.2): the start of one, a plan change during one, and the reminder before its
-- end. A trial is a subscription in status trialing whose period runs from the checkout to
-- trial_end; billing_anchor is trial_end, so renewal bills the first paid period from there like
-- any renewal (db/functions/billing_renewal.sql), and an unpaid one goes to dunning like any other.
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- Called by billing_checkout in its transaction for a plan with trial_days > 0. In one block: the
-- trialing subscription and the user's row in trial_users, whose primary key is the one-trial
-- rule — a user who had a trial (or a racing checkout that took it first) meets it and nothing
-- is written (trial_already_used); a second live subscription meets
-- subscriptions_one_live_per_user (subscription_exists). Then credits at once (reference
-- trial:<subscription id>), notification trial_started. No invoice, no payment.
CREATE OR REPLACE FUNCTION billing_start_trial(p_user_id text, p_plan_id uuid, p_now timestamptz)
RETURNS TABLE (outcome text, subscription_id uuid, invoice_id uuid, payment_id uuid)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    pl record;
    v_sub uuid;
    v_end timestamptz;
    v_constraint text;
    v_reference text;
BEGIN
    SELECT p.id, p.name, p.price, p.interaction_credits, p.scraper_credits, p.trial_days INTO pl
      FROM subscription_plans p WHERE p.id = p_plan_id;
    v_end := p_now + make_interval(days => pl.trial_days);
    BEGIN
        INSERT INTO subscriptions (user_id, plan_id, status, trial_end, billing_anchor, current_period_start,
                                   current_period_end, created_at, updated_at)
        VALUES (p_user_id, pl.id, 'trialing', v_end, v_end, p_now, v_end, p_now, p_now)
        RETURNING id INTO v_sub;
        INSERT INTO trial_users (user_id, subscription_id, created_at) VALUES (p_user_id, v_sub, p_now);
    EXCEPTION WHEN unique_violation THEN
        GET STACKED DIAGNOSTICS v_constraint = CONSTRAINT_NAME;
        IF v_constraint = 'subscriptions_one_live_per_user' THEN
            RETURN QUERY SELECT 'subscription_exists'::text,
                   (SELECT s.id FROM subscriptions s WHERE s.user_id = p_user_id AND s.status <> 'canceled'), NULL::uuid, NULL::uuid;
        ELSE
            RETURN QUERY SELECT 'trial_already_used'::text, NULL::uuid, NULL::uuid, NULL::uuid;
        END IF;
        RETURN;
    END;

    v_reference := 'trial:' || v_sub;
    PERFORM reset_interaction_credits(p_user_id, pl.interaction_credits, v_reference,
            format('Trial started (%s) - %s interaction credits', pl.name, pl.interaction_credits), p_now);
    PERFORM add_scraper_credits(p_user_id, pl.scraper_credits, v_reference,
            format('Trial started (%s) - %s scraper credits', pl.name, pl.scraper_credits), p_now);
    PERFORM notify(p_user_id, 'trial_started', '',
            jsonb_build_object('plan_name', pl.name, 'period_end', notify_date(v_end), 'amount', notify_money(pl.price)),
            jsonb_build_object('subscription_id', v_sub, 'plan_name', pl.name, 'trial_end', v_end, 'period_end', v_end,
                               'amount', pl.price),
            p_now);
    PERFORM log_billing_event('checkout', v_sub, p_user_id, 'success',
            jsonb_build_object('action', 'trial_started', 'plan_id', pl.id, 'plan_name', pl.name, 'trial_end', v_end),
            NULL, p_now);
    RETURN QUERY SELECT 'trialing'::text, v_sub, NULL::uuid, NULL::uuid;
END $$;

-- Called by billing_change_plan (which holds the subscription's lock) for a trialing
-- subscription: the plan switches at once, with no invoice, trial_end and the period unchanged.
-- Interaction credits are reset to the new plan, scraper credits topped up by the difference
-- (never taken back), as an upgrade applied without a charge does.
CREATE OR REPLACE FUNCTION billing_trial_change_plan(p_subscription_id uuid, p_plan_id uuid, p_now timestamptz)
RETURNS TABLE (outcome text, invoice_id uuid, payment_id uuid)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    s record;
    cur record;
    np record;
    v_reference text;
BEGIN
    SELECT * INTO s FROM subscriptions WHERE id = p_subscription_id;
    SELECT p.id, p.name, p.interaction_credits, p.scraper_credits INTO np
      FROM subscription_plans p WHERE p.id = p_plan_id AND p.is_active;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'plan_not_found'::text, NULL::uuid, NULL::uuid;
        RETURN;
    END IF;
    SELECT p.id, p.name, p.scraper_credits INTO cur FROM subscription_plans p WHERE p.id = s.plan_id;
    IF np.id = cur.id THEN
        RETURN QUERY SELECT 'unchanged'::text, NULL::uuid, NULL::uuid;
        RETURN;
    END IF;

    v_reference := 'trial-plan-change-' || gen_random_uuid();
    UPDATE subscriptions SET plan_id = np.id, scheduled_plan_id = NULL, updated_at = p_now WHERE id = s.id;
    PERFORM reset_interaction_credits(s.user_id, np.interaction_credits, v_reference,
            format('Plan changed to %s during the trial - %s interaction credits', np.name, np.interaction_credits), p_now);
    PERFORM add_scraper_credits(s.user_id, GREATEST(0, np.scraper_credits - cur.scraper_credits), v_reference,
            format('Plan changed to %s during the trial - %s scraper credits', np.name,
                   GREATEST(0, np.scraper_credits - cur.scraper_credits)), p_now);
    PERFORM notify(s.user_id, 'plan_changed', 'free', jsonb_build_object('plan_name', np.name),
            jsonb_build_object('subscription_id', s.id, 'from_plan', cur.name, 'to_plan', np.name, 'amount', 0), p_now);
    PERFORM log_billing_event('plan_change', s.id, s.user_id, 'success',
            jsonb_build_object('action', 'trial_plan_changed', 'from_plan', cur.name, 'to_plan', np.name,
                               'trial_end', s.trial_end, 'reference_id', v_reference), NULL, p_now);
    RETURN QUERY SELECT 'upgraded'::text, NULL::uuid, NULL::uuid;
END $$;

-- trial_will_end (contract §11.2): p_days before trial_end of a trialing subscription not set to
-- cancel — the notification (so the outbox emails it) and the event subscription.trial_will_end,
-- once per subscription by reminders_trial_once, whatever races to queue it. Returns how many
-- were queued (at most p_limit; call again).
CREATE OR REPLACE FUNCTION reminders_queue_trial_will_end(p_now timestamptz, p_days integer, p_limit integer)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    v_reminder uuid;
    v_notification uuid;
    v_count integer := 0;
BEGIN
    FOR r IN
        SELECT s.id, s.user_id, s.trial_end, pl.name AS plan_name, pl.price
          FROM subscriptions s
          JOIN subscription_plans pl ON pl.id = s.plan_id
         WHERE s.status = 'trialing'
           AND s.current_period_end > p_now
           AND s.current_period_end <= p_now + make_interval(days => p_days)
           AND s.trial_end > p_now
           AND NOT s.cancel_at_period_end
           AND NOT EXISTS (SELECT 1 FROM reminders x WHERE x.kind = 'trial_will_end' AND x.subscription_id = s.id)
         ORDER BY s.current_period_end
         LIMIT p_limit
    LOOP
        INSERT INTO reminders (kind, subscription_id, created_at)
        VALUES ('trial_will_end', r.id, p_now)
        ON CONFLICT (subscription_id) WHERE kind = 'trial_will_end' DO NOTHING
        RETURNING id INTO v_reminder;
        CONTINUE WHEN v_reminder IS NULL;
        v_notification := notify(r.user_id, 'trial_will_end', '',
                jsonb_build_object('plan_name', r.plan_name, 'period_end', notify_date(r.trial_end),
                                   'amount', notify_money(r.price)),
                jsonb_build_object('subscription_id', r.id, 'plan_name', r.plan_name, 'trial_end', r.trial_end,
                                   'period_end', r.trial_end, 'amount', r.price),
                p_now);
        UPDATE reminders SET notification_id = v_notification WHERE id = v_reminder;
        PERFORM events_record('subscription.trial_will_end',
                (SELECT jsonb_build_object('object', api_subscription(x)) FROM subscriptions x WHERE x.id = r.id), p_now);
        v_count := v_count + 1;
    END LOOP;
    RETURN v_count;
END $$;
