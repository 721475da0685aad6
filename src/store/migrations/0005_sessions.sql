-- Portal sessions (the cookie's token is stored only as its SHA-256), the sign-in
-- throttle state of each account (smart lockout), and when the person last
-- confirmed their security info.
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  state TEXT NOT NULL CHECK (state IN ('active', 'second_factor_required')),
  data TEXT NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0,
  ip TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  authenticated_at BIGINT NOT NULL,
  version BIGINT NOT NULL DEFAULT 1
){{without_rowid}}
---
CREATE INDEX sessions_by_account ON sessions (account_id)
---
CREATE INDEX sessions_by_expiry ON sessions (expires_at)
---
ALTER TABLE accounts ADD COLUMN signin_state TEXT NOT NULL DEFAULT ''
---
ALTER TABLE accounts ADD COLUMN reconfirmed_at BIGINT
