-- Inbound mail already acted on, by its Message-ID, so a message fetched twice (IMAP re-polls,
-- a command run again) changes nothing the second time.
CREATE TABLE inbound_messages (
  message_id  TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
