-- Per-mailbox send throttles count each sender's recent sends (sent_at of its 'sent' messages):
-- SqliteMessages::sent_since, and holding a throttled sender's queued messages.
CREATE INDEX messages_sender_sent ON messages(from_email, sent_at);
