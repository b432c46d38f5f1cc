-- Indonesian tax (contract §12): the buyer's tax identity, the buyer snapshot a paid invoice
-- keeps, and the NSFP (faktur serial number) Coretax gives each faktur.

-- The one total function is now the invoice composer (db/functions/invoice_composer.sql).
DROP FUNCTION IF EXISTS billing_invoice_total(bigint, jsonb);

-- The buyer's details as the customer (or an admin) last saved them (contract §12.2). Formats are
-- checked here too, so no writer can store an NPWP Coretax would refuse.
CREATE TABLE IF NOT EXISTS billing_details (
    user_id      text PRIMARY KEY REFERENCES users (id),
    name         text,
    email        text,
    address      text,
    tax_id_type  text CHECK (tax_id_type IN ('npwp', 'nik', 'passport')),
    tax_id       text,
    nitku        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT billing_details_tax_id_shape CHECK (
        (tax_id_type IS NULL AND tax_id IS NULL AND nitku IS NULL)
        OR (tax_id_type = 'npwp' AND tax_id ~ '^[0-9]{16}$' AND nitku ~ '^[0-9]{22}$' AND left(nitku, 16) = tax_id)
        OR (tax_id_type = 'nik' AND tax_id ~ '^[0-9]{16}$' AND nitku IS NULL)
        OR (tax_id_type = 'passport' AND tax_id ~ '^[A-Z0-9]{5,20}$' AND nitku IS NULL))
);
ALTER TABLE billing_details ENABLE ROW LEVEL SECURITY;

-- invoices.buyer: the buyer's details taken when the invoice is paid, never changed after
-- (db/functions/tax.sql). tax_invoice_number: the NSFP, unique, never overwritten.
ALTER TABLE invoices ADD COLUMN IF NOT EXISTS buyer jsonb;
ALTER TABLE invoices ADD COLUMN IF NOT EXISTS tax_invoice_number text;
CREATE UNIQUE INDEX IF NOT EXISTS invoices_tax_invoice_number_key ON invoices (tax_invoice_number)
    WHERE tax_invoice_number IS NOT NULL;
-- The month's faktur (contract §12.4) reads paid invoices by paid_at.
CREATE INDEX IF NOT EXISTS invoices_paid_at ON invoices (paid_at) WHERE status IN ('paid', 'refunded');
