-- A buyer's name and email are drawn on the invoice PDF and sent to iPaymu: bounded where they
-- are written (contract §10.4), 200 and 320 characters (an address is at most 254 in practice).
-- NOT VALID: rows written before the bound stay readable (the PDF cuts them); every new or
-- changed row is checked.
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_full_name_length;
ALTER TABLE users ADD CONSTRAINT users_full_name_length CHECK (char_length(full_name) <= 200) NOT VALID;
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_length;
ALTER TABLE users ADD CONSTRAINT users_email_length CHECK (char_length(email) <= 320) NOT VALID;
