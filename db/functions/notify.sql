-- The one writer of notifications for the service (contract §8.2): the type, its data and the
-- title and message the web app shows (it reads notifications straight from the database,
-- contract §1). The words are not here: they are the notification_title / notification_message
-- captures of the email template files (Deliveries/Email/Templates/{id,en}/<type>.liquid), in
-- the service's locale (BILLING_LOCALE), copied into notification_texts at start-up with {name}
-- placeholders, so the in-app notification and its email say the same thing. The row is written
-- in the caller's transaction, with the state change it tells of; the outbox triggers on
-- notifications (db/functions/deliveries.sql, notifications.sql) queue its email and add
-- data.invoice_url as for any notification.
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- The service's locale, published at start-up; Bahasa Indonesia when none is (contract §8.2).
-- notify_locale and notify_date are PL/pgSQL so that their plans are kept for the session: as SQL
-- functions (a subquery, a SET) they were planned again for every notification (docs/performance.md).
CREATE OR REPLACE FUNCTION notify_locale() RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN coalesce((SELECT st.value FROM service_settings st WHERE st.name = 'locale'), 'id');
END $$;

-- An amount as the emails write it: Rp149.000 in id, IDR 149,000 in en.
-- SQL, not PL/pgSQL: one SELECT of expressions with no FROM and no SET, so the planner inlines it
-- into its caller (the locale lookup is notify_locale's, which is PL/pgSQL and keeps its plan).
CREATE OR REPLACE FUNCTION notify_money(p_amount bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN p_amount < 0 THEN '-' ELSE '' END
        || CASE WHEN notify_locale() = 'en'
                THEN 'IDR ' || to_char(abs(p_amount), 'FM999,999,999,999,999,990')
                ELSE 'Rp' || replace(to_char(abs(p_amount), 'FM999,999,999,999,999,990'), ',', '.') END
$$;

-- A date as the emails write it (1 Desember 2026 / 1 December 2026, the calendar day in the customers' zone): the
-- month names are the service's (service_settings 'month_names', published with the locale).
CREATE OR REPLACE FUNCTION notify_date(p_at timestamptz) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    -- In the customers' zone (BILLING_TIME_ZONE, published by the service; its default before), as
    -- the emails write it: a payment due at 19:00 UTC is due the next day in Jakarta.
    v_local timestamp := p_at AT TIME ZONE coalesce((SELECT st.value FROM service_settings st WHERE st.name = 'time_zone'), 'Asia/Jakarta');
BEGIN
    RETURN extract(day FROM v_local)::int || ' '
        || coalesce(nullif(split_part((SELECT st.value FROM service_settings st WHERE st.name = 'month_names'), ',',
                                      extract(month FROM v_local)::int), ''),
                    to_char(v_local, 'MM'))
        || ' ' || extract(year FROM v_local)::int;
END $$;

-- Fills a text's {name} placeholders from p_values (already written for the locale); one without
-- a value reads as empty.
CREATE OR REPLACE FUNCTION notify_fill(p_text text, p_values jsonb) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_text text := p_text;
    v record;
BEGIN
    FOR v IN SELECT key, value FROM jsonb_each_text(coalesce(p_values, '{}'::jsonb)) LOOP
        v_text := replace(v_text, '{' || v.key || '}', coalesce(v.value, ''));
    END LOOP;
    RETURN regexp_replace(v_text, '\{[a-z_]+\}', '', 'g');
END $$;

-- Writes one notification: p_variant picks the wording among a type's (e.g. 'retry'; '' the
-- plain one). Until the service has published its texts (a database migrated but never served)
-- the title is the type and the message empty, rather than refusing the state change.
CREATE OR REPLACE FUNCTION notify(p_user_id text, p_type text, p_variant text, p_values jsonb,
                                  p_data jsonb, p_at timestamptz)
RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    t record;
    v_id uuid;
BEGIN
    SELECT x.title, x.message INTO t
      FROM notification_texts x
     WHERE x.type = p_type AND x.variant IN (p_variant, '')
     ORDER BY x.variant = p_variant DESC
     LIMIT 1;
    INSERT INTO notifications (user_id, type, title, message, data, created_at)
    VALUES (p_user_id, p_type, coalesce(notify_fill(t.title, p_values), p_type),
            coalesce(notify_fill(t.message, p_values), ''), coalesce(p_data, '{}'::jsonb), p_at)
    RETURNING id INTO v_id;
    RETURN v_id;
END $$;
