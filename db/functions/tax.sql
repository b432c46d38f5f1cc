-- The buyer of a paid invoice (contract §12.2): what the faktur and the documents print.

-- The buyer's details as they are now: the saved billing details, else the user's name and email
-- (a retail buyer without a tax id still has a name on the invoice).
-- PL/pgSQL: its plan is kept for the session (as SQL it was planned at every settlement).
CREATE OR REPLACE FUNCTION billing_buyer_snapshot(p_user_id text) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT jsonb_build_object(
               'name', coalesce(d.name, u.full_name), 'email', coalesce(d.email, u.email), 'address', d.address,
               'tax_id_type', d.tax_id_type, 'tax_id', d.tax_id, 'nitku', d.nitku)
      FROM users u
      LEFT JOIN billing_details d ON d.user_id = u.id
     WHERE u.id = p_user_id);
END $$;

-- A paid invoice's buyer and its NSFP are written once and never changed after: later edits of
-- the billing details, or a second NSFP pasted for it, must not alter a faktur already issued.
CREATE OR REPLACE FUNCTION invoices_keep_tax_identity() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.buyer IS NOT NULL AND NEW.buyer IS DISTINCT FROM OLD.buyer THEN
        RAISE EXCEPTION 'invoice % keeps the buyer it was paid with', OLD.invoice_number USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.tax_invoice_number IS NOT NULL AND NEW.tax_invoice_number IS DISTINCT FROM OLD.tax_invoice_number THEN
        RAISE EXCEPTION 'invoice % already has NSFP %', OLD.invoice_number, OLD.tax_invoice_number USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER invoices_keep_tax_identity BEFORE UPDATE OF buyer, tax_invoice_number ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoices_keep_tax_identity();
