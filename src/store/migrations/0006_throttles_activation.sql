-- Self-service throttles that block a subject for hours (core/throttle.hpp), keyed
-- by the keyed hash of the username so that unknown usernames are throttled alike;
-- and one-time activation codes for new accounts (only a keyed hash is kept).
CREATE TABLE throttles (
  subject TEXT NOT NULL,
  name TEXT NOT NULL,
  count INTEGER NOT NULL,
  window_start BIGINT NOT NULL,
  blocked_until BIGINT,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (subject, name)
){{without_rowid}}
---
CREATE INDEX throttles_by_update ON throttles (updated_at)
---
CREATE TABLE activations (
  account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
  digest TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
)
