-- The JSON the API answers for each object, built in one place for both of its readers: the API
-- endpoints (Subscriptions/SubscriptionReader.cs, Credits/CreditStore.cs select these and answer
-- them) and the events of db/functions/events.sql (contract §15.1: an event's data.object is
-- exactly what the API shows for that object). A field added here appears in both; a column the
-- API does not show (public_token, gateway answers) never leaves through either.
-- Times are written in UTC whatever the caller's session TimeZone (the web app may write rows in
-- its own zone, firing the event triggers): the functions SET it, so to_jsonb(timestamptz) reads
-- 2026-12-01T02:00:00+00:00, the form the API's JSON writer gives.
-- PL/pgSQL rather than SQL: a SQL function that cannot be inlined (a SET, a table read) is planned
-- again on every call from a trigger; PL/pgSQL keeps its plans for the session (docs/performance.md).
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- A plan as the subscription shows it: {id, name, price, billing_interval}; NULL for no plan.
CREATE OR REPLACE FUNCTION api_plan_ref(p_plan_id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT jsonb_build_object('id', p.id, 'name', p.name, 'price', p.price, 'billing_interval', p.billing_interval)
      FROM subscription_plans p WHERE p.id = p_plan_id);
END $$;

-- A subscription as GET /api/subscriptions/current's subscription (contract §7.3).
CREATE OR REPLACE FUNCTION api_subscription(s subscriptions) RETURNS jsonb
LANGUAGE plpgsql STABLE SET "TimeZone" = 'UTC' AS $$
BEGIN
    RETURN jsonb_build_object(
        'id', s.id,
        'status', s.status,
        'plan', api_plan_ref(s.plan_id),
        'current_period_start', s.current_period_start,
        'current_period_end', s.current_period_end,
        'cancel_at_period_end', s.cancel_at_period_end,
        'canceled_at', s.canceled_at,
        'cancel_reason', s.cancel_reason,
        'scheduled_plan', CASE WHEN s.scheduled_plan_id IS NULL THEN NULL ELSE api_plan_ref(s.scheduled_plan_id) END,
        'trial_end', s.trial_end);
END $$;

-- The pay page of an invoice (contract §7.6) under the public URL the service published at
-- start-up (service_settings); NULL while none is known, as the API shows it then.
CREATE OR REPLACE FUNCTION api_invoice_url(p_public_token text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT rtrim(st.value, '/') || '/pay/' || p_public_token
      FROM service_settings st WHERE st.name = 'public_base_url');
END $$;

-- An invoice as GET /api/invoices/{id} shows it (contract §7.3): the token appears only inside
-- invoice_url and pdf_url, the links the customer is meant to follow.
CREATE OR REPLACE FUNCTION api_invoice(i invoices) RETURNS jsonb
LANGUAGE plpgsql STABLE SET "TimeZone" = 'UTC' AS $$
DECLARE
    v_url text := api_invoice_url(i.public_token);
BEGIN
    RETURN jsonb_build_object(
        'id', i.id,
        'invoice_number', i.invoice_number,
        'kind', i.kind,
        'status', i.status,
        'amount', i.amount,
        'currency', i.currency,
        'period_start', i.period_start,
        'period_end', i.period_end,
        'line_items', i.line_items,
        'created_at', i.created_at,
        'paid_at', i.paid_at,
        'invoice_url', v_url,
        'pdf_url', v_url || '/invoice.pdf');
END $$;

-- A credit change as a row of GET /api/credits/transactions (contract §10.5's seq included).
CREATE OR REPLACE FUNCTION api_credit_transaction(t credit_transactions) RETURNS jsonb
LANGUAGE plpgsql STABLE SET "TimeZone" = 'UTC' AS $$
BEGIN
    RETURN jsonb_build_object(
        'id', t.id,
        'credit_type', t.credit_type,
        'kind', t.kind,
        'amount', t.amount,
        'balance_after', t.balance_after,
        'reference_id', t.reference_id,
        'description', t.description,
        'created_at', t.created_at,
        'seq', t.seq);
END $$;
