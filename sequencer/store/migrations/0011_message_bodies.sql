-- A message's HTML body moves to a table of its own. Sending changes a message's row twice
-- (marked `sending`, then its outcome) and SQLite rewrites a whole row to change one column:
-- with the body (about 3.5 KB) inside, each change wrote a page per message, and recording
-- outcomes took half of the send phase. The row left behind is a tenth of that size; the body
-- is written once, when the message is queued, and read when it is sent or quoted.
CREATE TABLE message_bodies (
  step_run_id INTEGER PRIMARY KEY REFERENCES messages(step_run_id) ON DELETE CASCADE,
  html        TEXT NOT NULL
);
INSERT INTO message_bodies (step_run_id, html) SELECT step_run_id, html FROM messages;
ALTER TABLE messages DROP COLUMN html;
