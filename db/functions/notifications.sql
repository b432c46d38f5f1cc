-- Notifications: every billing notification about an invoice carries the link to its pay page
-- (contract §7.6, data.invoice_url) beside the iPaymu link, so an old email still works after the
-- iPaymu link expired. Added by a trigger so every writer — each SQL function — gets it alike.
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

CREATE OR REPLACE FUNCTION notifications_add_invoice_url() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_base text;
    v_token text;
BEGIN
    IF NEW.data ? 'invoice_url' THEN
        RETURN NEW;
    END IF;
    SELECT value INTO v_base FROM service_settings WHERE name = 'public_base_url';
    IF v_base IS NULL THEN
        RETURN NEW;
    END IF;
    IF NEW.data ? 'invoice_id' THEN
        SELECT i.public_token INTO v_token FROM invoices i WHERE i.id = (NEW.data->>'invoice_id')::uuid;
    END IF;
    IF v_token IS NOT NULL THEN
        NEW.data := NEW.data || jsonb_build_object('invoice_url', rtrim(v_base, '/') || '/pay/' || v_token);
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER notifications_add_invoice_url BEFORE INSERT ON notifications
    FOR EACH ROW EXECUTE FUNCTION notifications_add_invoice_url();
