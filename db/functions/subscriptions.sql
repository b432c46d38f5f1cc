-- Subscriptions: the first period of a row the web app inserts, cancellation, and which
-- subscriptions are due (contract §4.3).
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- A subscription written by the web app with only a billing anchor gets its first period.
CREATE OR REPLACE FUNCTION subscriptions_fill_period() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.current_period_start IS NULL THEN
        NEW.current_period_start := NEW.billing_anchor;
    END IF;
    IF NEW.current_period_end IS NULL THEN
        -- A month, or a year for a yearly plan (contract §11.1).
        NEW.current_period_end := billing_add_months(NEW.current_period_start,
                CASE WHEN (SELECT p.billing_interval FROM subscription_plans p WHERE p.id = NEW.plan_id) = 'year' THEN 12 ELSE 1 END);
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER subscriptions_fill_period BEFORE INSERT ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION subscriptions_fill_period();

-- Cancels a subscription: status, reason and time; its open invoices become cancelled and its
-- pending retries are closed. Canceling a canceled subscription changes nothing. Invoices are
-- found by subscription_id alone (db/migrations/0008_point_lookups.sql explains why).
CREATE OR REPLACE FUNCTION cancel_subscription(
    p_subscription_id uuid, p_reason text, p_now timestamptz DEFAULT now())
RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    v_invoice record;
BEGIN
    UPDATE subscriptions
       SET status = 'canceled', canceled_at = p_now, cancel_reason = p_reason, updated_at = p_now
     WHERE id = p_subscription_id AND status <> 'canceled';
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    FOR v_invoice IN SELECT i.id, i.status FROM invoices i WHERE i.subscription_id = p_subscription_id LOOP
        IF v_invoice.status IN ('pending', 'failed') THEN
            UPDATE invoices SET status = 'cancelled', updated_at = p_now WHERE id = v_invoice.id;
        END IF;
    END LOOP;
    UPDATE payment_retries SET status = 'cancelled', updated_at = p_now
     WHERE subscription_id = p_subscription_id AND status IN ('pending', 'in_progress');
    RETURN true;
END $$;

-- Due (contract §4.3): active or trialing (contract §11.2), the current period ends before the end of the check date (UTC), and
-- no invoice exists yet for the next period. p_after/p_limit page through a large day by id
-- (keyset: each page is an index range, so a page costs the same at the end of the day as at its start).
CREATE OR REPLACE FUNCTION get_subscriptions_due_for_renewal(
    p_check_date date, p_after uuid DEFAULT NULL, p_limit integer DEFAULT NULL)
RETURNS TABLE (
    subscription_id uuid, user_id text, plan_id uuid, plan_name text, price bigint,
    interaction_credits bigint, scraper_credits bigint, billing_anchor timestamptz,
    current_period_start timestamptz, current_period_end timestamptz, cancel_at_period_end boolean)
LANGUAGE sql STABLE AS $$
    SELECT s.id, s.user_id, s.plan_id, p.name, p.price, p.interaction_credits, p.scraper_credits,
           s.billing_anchor, s.current_period_start, s.current_period_end, s.cancel_at_period_end
      FROM subscriptions s
      JOIN subscription_plans p ON p.id = s.plan_id
     WHERE s.status IN ('active', 'trialing')
       AND s.current_period_end < ((p_check_date + 1)::timestamp AT TIME ZONE 'UTC')
       AND s.id >= coalesce(p_after, '00000000-0000-0000-0000-000000000000') AND s.id IS DISTINCT FROM p_after
       -- The repeated bound lets the anti-join's scan of invoices start at the page too: without
       -- it, a merge anti-join read every invoice before the page, and a 100,000-subscription day
       -- cost O(N) per page (docs/performance.md).
       AND NOT EXISTS (SELECT 1 FROM invoices i
                        WHERE i.subscription_id = s.id AND i.period_start = s.current_period_end
                          AND i.subscription_id >= coalesce(p_after, '00000000-0000-0000-0000-000000000000'))
     ORDER BY s.id
     LIMIT p_limit
$$;
