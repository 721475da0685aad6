-- Latchkey schema, version 1.
-- Statements are separated by lines holding only "---". {{id}} becomes the
-- dialect's auto-increment primary key; {{without_rowid}} makes a table keyed by
-- its primary key alone on SQLite (one B-tree instead of two). Times are Unix
-- milliseconds (BIGINT).
-- Secrets and contact details are sealed (AEAD) by the store: *_sealed columns.

CREATE TABLE accounts (
  id {{id}},
  username TEXT NOT NULL,
  username_key TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('active', 'locked', 'disabled', 'pending_activation')),
  password_hash TEXT NOT NULL DEFAULT '',
  password_changed_at BIGINT,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  version BIGINT NOT NULL DEFAULT 1
)
---
CREATE TABLE methods (
  id TEXT PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'active')),
  source TEXT NOT NULL CHECK (source IN ('user', 'admin', 'directory')),
  label TEXT NOT NULL DEFAULT '',
  hint TEXT NOT NULL DEFAULT '',
  secret_sealed TEXT NOT NULL DEFAULT '',
  lookup TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  confirmed_at BIGINT,
  last_used_at BIGINT
)
---
CREATE INDEX methods_by_account ON methods (account_id)
---
CREATE INDEX methods_by_lookup ON methods (lookup)
---
CREATE TABLE flows (
  id_hash TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  state TEXT NOT NULL,
  account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
  subject_key TEXT NOT NULL,
  gates_required INTEGER NOT NULL,
  data TEXT NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0,
  ip TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  version BIGINT NOT NULL DEFAULT 1
){{without_rowid}}
---
CREATE INDEX flows_by_expiry ON flows (expires_at)
---
CREATE TABLE outbox (
  id {{id}},
  channel TEXT NOT NULL,
  template TEXT NOT NULL,
  recipient_sealed TEXT NOT NULL,
  recipient_hint TEXT NOT NULL,
  recipient_lookup TEXT NOT NULL,
  subject_sealed TEXT NOT NULL DEFAULT '',
  body_sealed TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'expired', 'dev')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  lease_owner TEXT,
  lease_until BIGINT,
  last_error TEXT NOT NULL DEFAULT '',
  account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  sent_at BIGINT
)
---
CREATE INDEX outbox_due ON outbox (status, next_attempt_at)
---
CREATE INDEX outbox_by_recipient ON outbox (recipient_lookup)
---
CREATE TABLE audit (
  id {{id}},
  at BIGINT NOT NULL,
  event TEXT NOT NULL,
  outcome TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  account_id BIGINT,
  subject TEXT NOT NULL DEFAULT '',
  flow_ref TEXT NOT NULL DEFAULT '',
  method TEXT NOT NULL DEFAULT '',
  ip TEXT NOT NULL DEFAULT '',
  actor TEXT NOT NULL DEFAULT ''
)
---
CREATE INDEX audit_by_account ON audit (account_id, id)
