-- The Salesforce outbox becomes transactional: a change to a task, a sent email or a
-- prospect's Salesforce link marks its outbox row in the same transaction as the change, so a
-- crash or a Salesforce outage between the change and the next sync loses nothing. The sync
-- then rebuilds the payload of the marked rows only (the payload needs the settings' user
-- mapping and field names, which the database does not know) and clears each mark only if no
-- newer change bumped it meanwhile.
--
-- The triggers fire only while the sync has switched capture on (the 'outbox.capture' state row,
-- written by the first push): without a Salesforce configuration a change costs one primary-key
-- lookup and nothing is written. That lookup comes first in each WHEN, and the states are
-- compared with = rather than IN (...): an IN list is built as a small table on every row,
-- which doubled the claim's write when measured.

-- 0: the payload is current. N > 0: changed since; bumped by every change (compare-and-clear).
ALTER TABLE salesforce_outbox ADD COLUMN dirty INTEGER NOT NULL DEFAULT 0;
CREATE INDEX salesforce_outbox_dirty ON salesforce_outbox(external_id) WHERE dirty > 0;

-- A task: a step run opened as a task, then completed, skipped, renamed, reassigned...
-- (the columns a Task record is made of; snoozing changes nothing Salesforce holds).
CREATE TRIGGER salesforce_capture_task_insert AFTER INSERT ON step_runs
WHEN EXISTS (SELECT 1 FROM salesforce_state WHERE key = 'outbox.capture')
 AND (NEW.state = 'open' OR NEW.state = 'completed' OR NEW.state = 'skipped')
BEGIN
  INSERT INTO salesforce_outbox (external_id, payload, state, queued_at, dirty)
  VALUES ('tp-task-' || NEW.id, '', 'pending', CAST(strftime('%s', 'now') AS INTEGER), 1)
  ON CONFLICT (external_id) DO UPDATE SET dirty = dirty + 1;
END;

CREATE TRIGGER salesforce_capture_task_update
AFTER UPDATE OF state, type, owner_id, due_date, title, note, subject, outcome, notes,
                sent_message_id ON step_runs
WHEN EXISTS (SELECT 1 FROM salesforce_state WHERE key = 'outbox.capture')
 AND (NEW.state = 'open' OR NEW.state = 'completed' OR NEW.state = 'skipped')
BEGIN
  INSERT INTO salesforce_outbox (external_id, payload, state, queued_at, dirty)
  VALUES ('tp-task-' || NEW.id, '', 'pending', CAST(strftime('%s', 'now') AS INTEGER), 1)
  ON CONFLICT (external_id) DO UPDATE SET dirty = dirty + 1;
END;

-- A sent email becomes a completed Task with TaskSubtype Email.
CREATE TRIGGER salesforce_capture_email_insert AFTER INSERT ON messages
WHEN EXISTS (SELECT 1 FROM salesforce_state WHERE key = 'outbox.capture')
 AND NEW.state = 'sent'
BEGIN
  INSERT INTO salesforce_outbox (external_id, payload, state, queued_at, dirty)
  VALUES ('tp-email-' || NEW.id, '', 'pending', CAST(strftime('%s', 'now') AS INTEGER), 1)
  ON CONFLICT (external_id) DO UPDATE SET dirty = dirty + 1;
END;

CREATE TRIGGER salesforce_capture_email_update AFTER UPDATE OF state, sent_at ON messages
WHEN EXISTS (SELECT 1 FROM salesforce_state WHERE key = 'outbox.capture')
 AND NEW.state = 'sent'
BEGIN
  INSERT INTO salesforce_outbox (external_id, payload, state, queued_at, dirty)
  VALUES ('tp-email-' || NEW.id, '', 'pending', CAST(strftime('%s', 'now') AS INTEGER), 1)
  ON CONFLICT (external_id) DO UPDATE SET dirty = dirty + 1;
END;

-- A prospect linked to (or unlinked from) a Lead/Contact: its tasks' WhoId changes.
CREATE TRIGGER salesforce_capture_prospect_link AFTER UPDATE OF salesforce_id ON prospects
WHEN OLD.salesforce_id <> NEW.salesforce_id
 AND EXISTS (SELECT 1 FROM salesforce_state WHERE key = 'outbox.capture')
BEGIN
  INSERT INTO salesforce_outbox (external_id, payload, state, queued_at, dirty)
  SELECT 'tp-task-' || s.id, '', 'pending', CAST(strftime('%s', 'now') AS INTEGER), 1
    FROM step_runs s JOIN enrollments e ON e.id = s.enrollment_id
   WHERE e.prospect_id = NEW.id AND s.state IN ('open', 'completed', 'skipped')
  UNION ALL
  SELECT 'tp-email-' || m.id, '', 'pending', CAST(strftime('%s', 'now') AS INTEGER), 1
    FROM messages m JOIN enrollments e ON e.id = m.enrollment_id
   WHERE e.prospect_id = NEW.id AND m.state = 'sent'
  ON CONFLICT (external_id) DO UPDATE SET dirty = dirty + 1;
END;
