-- A waived payment (charge_waived, contract §11.3) collects nothing: its amount is 0, and the sum
-- forgiven is kept in its gateway_response ('waived_amount'), so money received (paid payments)
-- never counts it and a refund has nothing to give back. The database holds that for every row.
-- Waived payments written before this rule recorded their invoice's amount; they are rewritten to
-- the same shape here (the invoice keeps the billed amount, and the sum moves into
-- gateway_response, so nothing is lost), which lets the check be validated on the whole table
-- rather than tolerating old rows (NOT VALID would leave history unchecked).
UPDATE payments
   SET gateway_response = coalesce(gateway_response, '{}'::jsonb) || jsonb_build_object('waived_amount', amount),
       amount = 0
 WHERE provider = 'waived' AND amount <> 0;
ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_waived_collects_nothing;
ALTER TABLE payments ADD CONSTRAINT payments_waived_collects_nothing CHECK (provider <> 'waived' OR amount = 0);
