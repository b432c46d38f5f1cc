-- The customer portal (contract §14): single-use links the web app asks for, and the server-side
-- sessions they open. Only a SHA-256 of each token is stored, so a copy of these tables lets
-- nobody in. "Single use" is the UPDATE … WHERE used_at IS NULL that redeems a link (one row, one
-- winner); a session ends when ended_at is set (sign-out) or expires_at passes.

CREATE TABLE IF NOT EXISTS portal_links (
    token_hash  bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    user_id     text NOT NULL,
    locale      text NOT NULL DEFAULT 'id' CHECK (locale IN ('id', 'en')),
    return_url  text CHECK (length(return_url) <= 2000),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    CHECK (expires_at > created_at)
);

CREATE TABLE IF NOT EXISTS portal_sessions (
    token_hash  bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    user_id     text NOT NULL,
    locale      text NOT NULL DEFAULT 'id' CHECK (locale IN ('id', 'en')),
    return_url  text CHECK (length(return_url) <= 2000),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    ended_at    timestamptz,
    -- At most an hour (contract §14), whatever the code asks for.
    CHECK (expires_at > created_at AND expires_at <= created_at + interval '1 hour')
);

-- Housekeeping-style pruning reads by expiry.
CREATE INDEX IF NOT EXISTS portal_links_expires_idx ON portal_links (expires_at);
CREATE INDEX IF NOT EXISTS portal_sessions_expires_idx ON portal_sessions (expires_at);

-- The service's own tables: no policies, only the service's role reaches them (contract §3).
ALTER TABLE portal_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE portal_sessions ENABLE ROW LEVEL SECURITY;
