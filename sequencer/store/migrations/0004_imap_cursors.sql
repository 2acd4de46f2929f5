-- How far each mailbox's IMAP folder has been read: messages with a UID above last_uid are
-- new, as long as the folder's UIDVALIDITY is unchanged (RFC 3501 2.3.1.1).
CREATE TABLE imap_cursors (
  mailbox      TEXT PRIMARY KEY,   -- the owner's address and folder, "rep@x.test/INBOX"
  uid_validity INTEGER NOT NULL,
  last_uid     INTEGER NOT NULL
);
