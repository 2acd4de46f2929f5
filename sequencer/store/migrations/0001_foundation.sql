-- Reps, prospects, versioned sequences, enrollments and their steps, messages and events.
-- Instants are Unix seconds (UTC); local dates are text 'YYYY-MM-DD'.

CREATE TABLE users (
  id          INTEGER PRIMARY KEY,
  email       TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name        TEXT NOT NULL,
  timezone    TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);

CREATE TABLE prospects (
  id             INTEGER PRIMARY KEY,
  email          TEXT NOT NULL UNIQUE COLLATE NOCASE,
  first_name     TEXT NOT NULL DEFAULT '',
  last_name      TEXT NOT NULL DEFAULT '',
  company        TEXT NOT NULL DEFAULT '',
  title          TEXT NOT NULL DEFAULT '',
  phone          TEXT NOT NULL DEFAULT '',
  timezone       TEXT NOT NULL DEFAULT '',
  owner_id       INTEGER REFERENCES users(id),
  salesforce_id  TEXT NOT NULL DEFAULT '',
  custom         TEXT NOT NULL DEFAULT '{}',   -- JSON object of custom columns
  do_not_contact INTEGER NOT NULL DEFAULT 0,
  unsubscribed_at INTEGER,
  hard_bounced_at INTEGER,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
CREATE INDEX prospects_owner ON prospects(owner_id);

CREATE TABLE custom_fields (
  name TEXT PRIMARY KEY
);

CREATE TABLE sequences (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL UNIQUE,
  current_version INTEGER NOT NULL,
  created_at      INTEGER NOT NULL
);

CREATE TABLE sequence_versions (
  id          INTEGER PRIMARY KEY,
  sequence_id INTEGER NOT NULL REFERENCES sequences(id),
  version     INTEGER NOT NULL,
  definition  TEXT NOT NULL,   -- canonical JSON (core::to_json)
  steps       INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  UNIQUE (sequence_id, version)
);

CREATE TABLE enrollments (
  id           INTEGER PRIMARY KEY,
  sequence_id  INTEGER NOT NULL REFERENCES sequences(id),
  version_id   INTEGER NOT NULL REFERENCES sequence_versions(id),
  prospect_id  INTEGER NOT NULL REFERENCES prospects(id),
  owner_id     INTEGER REFERENCES users(id),
  state        TEXT NOT NULL CHECK (state IN ('active', 'paused', 'finished', 'exited')),
  exit_cause   TEXT CHECK (exit_cause IN ('reply', 'bounce', 'unsubscribe', 'manual')),
  paused_until INTEGER,
  start_at     INTEGER NOT NULL,
  zone         TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
-- One active (or paused) enrollment per prospect per sequence.
CREATE UNIQUE INDEX enrollments_one_live ON enrollments(prospect_id, sequence_id)
  WHERE state IN ('active', 'paused');
CREATE INDEX enrollments_sequence ON enrollments(sequence_id, state);
CREATE INDEX enrollments_pause_ends ON enrollments(paused_until) WHERE state = 'paused';

-- Every step of every enrollment: its due instant and what became of it. A task-creating
-- step becomes the task itself (state 'open', then 'completed' or 'skipped'), so claiming it
-- is one write; an email step becomes a row in messages (state 'queued').
CREATE TABLE step_runs (
  id            INTEGER PRIMARY KEY,
  enrollment_id INTEGER NOT NULL REFERENCES enrollments(id),
  position      INTEGER NOT NULL,
  due_at        INTEGER NOT NULL,
  shift         INTEGER NOT NULL DEFAULT 0,  -- allowed dates moved by late tasks (rule 8)
  state         TEXT NOT NULL DEFAULT 'scheduled' CHECK (state IN
                  ('scheduled', 'open', 'completed', 'skipped', 'queued', 'excluded', 'cancelled')),
  cause         TEXT,          -- excluded: 'missing_field:industry', ...
  -- task fields, set when the step opens as a task
  type          TEXT CHECK (type IN ('email', 'call', 'task', 'linkedin')),
  owner_id      INTEGER REFERENCES users(id),
  due_date      TEXT,
  title         TEXT,
  note          TEXT,
  subject       TEXT,
  body          TEXT,
  snoozed_until INTEGER,
  outcome       TEXT,
  notes         TEXT,
  sent_message_id TEXT,
  opened_at     INTEGER,
  closed_at     INTEGER,
  UNIQUE (enrollment_id, position)
);
CREATE INDEX step_runs_due ON step_runs(due_at) WHERE state = 'scheduled';
CREATE INDEX step_runs_open_tasks ON step_runs(owner_id, due_at) WHERE state = 'open';

CREATE TABLE messages (
  id            INTEGER PRIMARY KEY,
  step_run_id   INTEGER NOT NULL UNIQUE REFERENCES step_runs(id),  -- never two per step
  enrollment_id INTEGER NOT NULL REFERENCES enrollments(id),
  message_id    TEXT NOT NULL UNIQUE,
  in_reply_to   TEXT NOT NULL DEFAULT '',
  refs          TEXT NOT NULL DEFAULT '',   -- space-separated, oldest first
  from_name     TEXT NOT NULL,
  from_email    TEXT NOT NULL,
  to_name       TEXT NOT NULL,
  to_email      TEXT NOT NULL,
  subject       TEXT NOT NULL,
  html          TEXT NOT NULL,
  unsubscribe_url    TEXT NOT NULL DEFAULT '',
  unsubscribe_mailto TEXT NOT NULL DEFAULT '',
  state         TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'unknown')),
  attempts      INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,                  -- after a transient failure: not before this
  due_at        INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  sent_at       INTEGER,
  detail        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX messages_queued ON messages(id) WHERE state = 'queued';
CREATE INDEX messages_sending ON messages(id) WHERE state = 'sending';
CREATE INDEX messages_enrollment ON messages(enrollment_id);

-- The activity log: every transition, for the live feed and the reports.
CREATE TABLE events (
  id            INTEGER PRIMARY KEY,
  at            INTEGER NOT NULL,
  type          TEXT NOT NULL,
  enrollment_id INTEGER,
  prospect_id   INTEGER,
  step_run_id   INTEGER,
  message_id    INTEGER,
  detail        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_enrollment ON events(enrollment_id);
