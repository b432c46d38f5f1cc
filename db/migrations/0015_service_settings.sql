-- Settings of the service that SQL needs too, written by the service at start-up: e.g. its
-- public URL, from which every billing notification gets the link to its invoice's pay page
-- (contract §7.6) in the transaction that writes it.
CREATE TABLE IF NOT EXISTS service_settings (
    name        text PRIMARY KEY,
    value       text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE service_settings ENABLE ROW LEVEL SECURITY;
