-- Change plan (contract §7.5), one transaction under the subscription's lock.
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- The prorated price of an upgrade: (new − old) × remaining ÷ period, rounded half up to whole
-- rupiah. Pure, so the unit tests and this function agree on month ends and leap years.
CREATE OR REPLACE FUNCTION billing_proration(
    p_old_price bigint, p_new_price bigint, p_period_start timestamptz, p_period_end timestamptz, p_now timestamptz)
RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_now >= p_period_end OR p_new_price <= p_old_price THEN 0::bigint
                ELSE round((p_new_price - p_old_price)::numeric
                           * extract(epoch FROM (p_period_end - greatest(p_now, p_period_start)))
                           / extract(epoch FROM (p_period_end - p_period_start)))::bigint
           END
$$;

-- Upgrade (a higher price): an invoice now for the rest of the period, the plan changing when it
-- is paid (billing_grant_paid_invoice); below p_min_charge the change applies at once without a
-- charge. Downgrade or same price: scheduled for the next renewal. The current plan: clears a
-- scheduled change. An open upgrade invoice is withdrawn first in every case.
CREATE OR REPLACE FUNCTION billing_change_plan(
    p_subscription_id uuid, p_plan_id uuid, p_min_charge bigint, p_now timestamptz, p_tax jsonb DEFAULT '{}'::jsonb)
RETURNS TABLE (outcome text, invoice_id uuid, payment_id uuid)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    s record;
    cur record;
    np record;
    v_open record;
    v_amount bigint;
    v_total record;
    v_number text;
    v_invoice uuid;
    v_payment uuid;
    v_reference text;
    v_discount jsonb;
BEGIN
    SELECT * INTO s FROM subscriptions WHERE id = p_subscription_id FOR UPDATE;
    -- During a trial the plan switches at once, without an invoice (contract §11.2; trials.sql).
    IF FOUND AND s.status = 'trialing' THEN
        RETURN QUERY SELECT * FROM billing_trial_change_plan(s.id, p_plan_id, p_now);
        RETURN;
    END IF;
    IF NOT FOUND OR s.status <> 'active' THEN
        RETURN QUERY SELECT 'not_active'::text, NULL::uuid, NULL::uuid;
        RETURN;
    END IF;
    SELECT p.id, p.name, p.price, p.interaction_credits, p.scraper_credits, p.billing_interval INTO np
      FROM subscription_plans p WHERE p.id = p_plan_id AND p.is_active;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'plan_not_found'::text, NULL::uuid, NULL::uuid;
        RETURN;
    END IF;
    SELECT p.id, p.name, p.price, p.interaction_credits, p.scraper_credits, p.billing_interval INTO cur
      FROM subscription_plans p WHERE p.id = s.plan_id;

    FOR v_open IN SELECT i.id, i.status FROM invoices i WHERE i.subscription_id = s.id AND i.kind = 'plan_change' LOOP
        IF v_open.status = 'pending' THEN
            UPDATE invoices SET status = 'cancelled', updated_at = p_now WHERE id = v_open.id;
            PERFORM billing_close_open_attempts(v_open.id, 'replaced by another plan change', p_now);
        END IF;
    END LOOP;

    IF np.id = cur.id THEN
        UPDATE subscriptions SET scheduled_plan_id = NULL, updated_at = p_now WHERE id = s.id;
        PERFORM log_billing_event('plan_change', s.id, s.user_id, 'success',
                jsonb_build_object('action', 'schedule_cleared'), NULL, p_now);
        RETURN QUERY SELECT 'unchanged'::text, NULL::uuid, NULL::uuid;
        RETURN;
    END IF;

    -- Moving between monthly and yearly is scheduled like a downgrade (contract §11.1): the next
    -- renewal bills the new plan's whole period.
    IF np.price <= cur.price OR np.billing_interval <> cur.billing_interval THEN
        UPDATE subscriptions SET scheduled_plan_id = np.id, updated_at = p_now WHERE id = s.id;
        PERFORM log_billing_event('plan_change', s.id, s.user_id, 'success',
                jsonb_build_object('action', 'downgrade_scheduled', 'from_plan', cur.name, 'to_plan', np.name,
                                   'effective', s.current_period_end), NULL, p_now);
        RETURN QUERY SELECT 'scheduled'::text, NULL::uuid, NULL::uuid;
        RETURN;
    END IF;

    v_amount := billing_proration(cur.price, np.price, s.current_period_start, s.current_period_end, p_now);
    IF v_amount < p_min_charge THEN
        -- Too little to charge (iPaymu's minimum): the change applies now, as a paid upgrade would.
        v_reference := 'plan-change-' || gen_random_uuid();
        UPDATE subscriptions SET plan_id = np.id, scheduled_plan_id = NULL, updated_at = p_now WHERE id = s.id;
        PERFORM reset_interaction_credits(s.user_id, np.interaction_credits, v_reference,
                format('Plan changed to %s - %s interaction credits', np.name, np.interaction_credits), p_now);
        PERFORM add_scraper_credits(s.user_id, GREATEST(0, np.scraper_credits - cur.scraper_credits), v_reference,
                format('Plan changed to %s - %s scraper credits', np.name, GREATEST(0, np.scraper_credits - cur.scraper_credits)), p_now);
        PERFORM notify(s.user_id, 'plan_changed', 'free', jsonb_build_object('plan_name', np.name),
                jsonb_build_object('subscription_id', s.id, 'from_plan', cur.name, 'to_plan', np.name, 'amount', 0), p_now);
        PERFORM log_billing_event('plan_change', s.id, s.user_id, 'success',
                jsonb_build_object('action', 'upgrade_applied_without_charge', 'from_plan', cur.name, 'to_plan', np.name,
                                   'prorated', v_amount, 'min_charge', p_min_charge, 'reference_id', v_reference), NULL, p_now);
        RETURN QUERY SELECT 'upgraded'::text, NULL::uuid, NULL::uuid;
        RETURN;
    END IF;

    -- A running percentage coupon discounts the upgrade too; it uses no period (contract §11.3).
    v_discount := billing_coupon_discount(s.id, np.id, v_amount, s.current_period_start, false);
    SELECT * INTO v_total FROM billing_compose_invoice(v_amount, coalesce((v_discount->>'amount')::bigint, 0), p_tax);
    v_number := billing_next_invoice_number(p_now);
    INSERT INTO invoices (invoice_number, user_id, subscription_id, period_start, period_end, amount, currency, status,
                          kind, line_items, attempt_count, created_at, updated_at)
    VALUES (v_number, s.user_id, s.id, p_now, s.current_period_end, v_total.amount, 'IDR', 'pending', 'plan_change',
            jsonb_build_object('type', 'plan_change', 'from_plan', cur.name, 'to_plan', np.name, 'plan_name', np.name,
                               'from_plan_id', cur.id, 'to_plan_id', np.id, 'period_start', p_now,
                               'period_end', s.current_period_end, 'full_difference', np.price - cur.price,
                               'price', v_amount, 'interaction_credits', np.interaction_credits,
                               'scraper_credits', GREATEST(0, np.scraper_credits - cur.scraper_credits))
            || CASE WHEN v_total.tax_line IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('tax', v_total.tax_line) END
            || CASE WHEN v_discount IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('discount', v_discount) END,
            1, p_now, p_now)
    RETURNING id INTO v_invoice;
    IF billing_charge_waived(v_total.amount, p_min_charge) THEN
        -- Settled at once through the one settlement path, which applies the change.
        PERFORM billing_waive_charge(v_invoice, p_now);
        RETURN QUERY SELECT 'upgraded'::text, v_invoice, NULL::uuid;
        RETURN;
    END IF;
    INSERT INTO payments (invoice_id, attempt_number, reference_id, amount, status, retry_number, created_at, updated_at)
    VALUES (v_invoice, 1, v_number || '-1', v_total.amount, 'pending', 0, p_now, p_now)
    RETURNING id INTO v_payment;
    PERFORM billing_claim_for_customer(v_payment); -- the customer's call makes its link
    PERFORM log_billing_event('plan_change', s.id, s.user_id, 'pending',
            jsonb_build_object('action', 'upgrade_invoiced', 'invoice_id', v_invoice, 'from_plan', cur.name, 'to_plan', np.name,
                               'amount', v_total.amount), NULL, p_now);
    RETURN QUERY SELECT 'invoiced'::text, v_invoice, v_payment;
END $$;
