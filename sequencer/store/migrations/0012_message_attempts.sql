-- When a message was last handed to its SMTP server. A send left `unknown` (the connection
-- was lost after the content, or the engine crashed mid-send) may have left then, so the
-- mailbox's throttles count it from that instant; its sent_at stays empty, as nobody knows
-- that it was sent.
ALTER TABLE messages ADD COLUMN attempted_at INTEGER;
