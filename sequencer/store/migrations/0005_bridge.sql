-- The bridge: reps' API bearer tokens (only their SHA-256 is kept), machine-made tracking hits,
-- and the indexes the live feed, the prospect timeline and the per-step KPIs read by.

CREATE TABLE api_tokens (
  id          INTEGER PRIMARY KEY,
  user_id     INTEGER NOT NULL REFERENCES users(id),
  token_hash  TEXT NOT NULL UNIQUE,   -- hex SHA-256 of the token text; the text is never stored
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER
);

-- Who made a tracking hit: '' for a person, else the kind of machine ('google_image_proxy',
-- 'apple_mail_privacy', 'microsoft_safe_links', 'link_scanner'). Machine hits are kept, so
-- reports can show them, but they are not counted as people opening or clicking.
ALTER TABLE events ADD COLUMN machine TEXT NOT NULL DEFAULT '';

-- Tracking asks "has this sent step been opened yet?"; KPIs count events per step.
CREATE INDEX events_step_run ON events(step_run_id, type);
-- A prospect's timeline.
CREATE INDEX events_prospect ON events(prospect_id);
-- The enrollments of a prospect (timeline, unsubscribe).
CREATE INDEX enrollments_prospect ON enrollments(prospect_id);
