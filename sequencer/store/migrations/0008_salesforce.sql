-- Salesforce sync (DESIGN.md §9): the outbox of Task records to upsert, and the sync's own
-- state (tokens, pull cursors, the last errors).

-- One row per Salesforce Task we own, keyed by its external id ("tp-task-41", "tp-email-7").
-- A row is 'pending' from the moment its payload changes until Salesforce confirmed that very
-- payload; then 'done'. Nothing is lost while Salesforce is down (the row stays pending) and
-- nothing is duplicated on retry (the upsert by external id makes a replay an update).
CREATE TABLE salesforce_outbox (
  external_id     TEXT PRIMARY KEY,
  payload         TEXT NOT NULL,             -- the Task's fields as JSON, without attributes
  state           TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT NOT NULL DEFAULT '',
  salesforce_id   TEXT NOT NULL DEFAULT '',  -- the Task's Id once created
  queued_at       INTEGER NOT NULL,
  done_at         INTEGER
);
CREATE INDEX salesforce_outbox_pending ON salesforce_outbox(next_attempt_at)
  WHERE state = 'pending';

CREATE TABLE salesforce_state (
  key        TEXT PRIMARY KEY,   -- "token", "pull.Lead", "last_push", "last_error", ...
  value      TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE INDEX prospects_salesforce_id ON prospects(salesforce_id) WHERE salesforce_id <> '';
