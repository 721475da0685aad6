-- Password history: digests of earlier passwords, so that a reset or change can
-- refuse a reused one. Every digest of an account uses the account's own salt, so
-- checking the last N passwords costs one Argon2id derivation, not N.
ALTER TABLE accounts ADD COLUMN history_salt TEXT NOT NULL DEFAULT ''
---
CREATE TABLE password_history (
  id {{id}},
  account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  digest TEXT NOT NULL,
  created_at BIGINT NOT NULL
)
---
CREATE INDEX password_history_by_account ON password_history (account_id, id)
