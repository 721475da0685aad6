-- The state of an unfinished registration (a code's hash, a challenge), sealed like
-- the method's secret.
ALTER TABLE methods ADD COLUMN pending_sealed TEXT NOT NULL DEFAULT ''
