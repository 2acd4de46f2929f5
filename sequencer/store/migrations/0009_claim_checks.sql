-- The claim writes every due step's state, and an email step's message row, once per step.
-- SQLite evaluates a CHECK of the form `x IN (a, b, c, ...)` with more than two values by
-- building a temporary b-tree of the values, on every row written: about 3 µs, more than the
-- rest of a narrow UPDATE by primary key. The same checks written as comparisons cost nothing
-- measurable, and refuse exactly the same values.
--
-- SQLite cannot alter a CHECK, and rebuilding step_runs (millions of rows, referenced by
-- messages) would hold the database for minutes. A CHECK is not part of the file format, so
-- its text is replaced in the schema in place, as https://sqlite.org/lang_altertable.html
-- ("Making Other Kinds Of Table Schema Changes") describes for removing and changing
-- constraints. `writable_schema = RESET` makes this connection re-read the schema at once; the
-- table made and dropped at the end changes the schema cookie, so every other connection
-- re-reads it too before its next statement (one holding the old text could otherwise compute
-- an ALTER TABLE's offsets from it). If a text is not found (a hand-edited schema), replace()
-- leaves it as it was: slower, never wrong.

PRAGMA writable_schema = ON;

UPDATE sqlite_schema
SET sql = replace(sql,
  'CHECK (state IN' || char(10) ||
  '                  (''scheduled'', ''open'', ''completed'', ''skipped'', ''queued'', ''excluded'', ''cancelled''))',
  'CHECK (state = ''scheduled'' OR state = ''open'' OR state = ''completed'' OR' || char(10) ||
  '                  state = ''skipped'' OR state = ''queued'' OR state = ''excluded'' OR state = ''cancelled'')')
WHERE type = 'table' AND name = 'step_runs';

UPDATE sqlite_schema
SET sql = replace(sql,
  'CHECK (type IN (''email'', ''call'', ''task'', ''linkedin''))',
  'CHECK (type = ''email'' OR type = ''call'' OR type = ''task'' OR type = ''linkedin'')')
WHERE type = 'table' AND name = 'step_runs';

UPDATE sqlite_schema
SET sql = replace(sql,
  'CHECK (state IN (''queued'', ''sending'', ''sent'', ''failed'', ''unknown''))',
  'CHECK (state = ''queued'' OR state = ''sending'' OR state = ''sent'' OR state = ''failed'' OR' ||
  ' state = ''unknown'')')
WHERE type = 'table' AND name = 'messages';

UPDATE sqlite_schema
SET sql = replace(sql,
  'CHECK (state IN (''active'', ''paused'', ''finished'', ''exited''))',
  'CHECK (state = ''active'' OR state = ''paused'' OR state = ''finished'' OR state = ''exited'')')
WHERE type = 'table' AND name = 'enrollments';

UPDATE sqlite_schema
SET sql = replace(sql,
  'CHECK (exit_cause IN (''reply'', ''bounce'', ''unsubscribe'', ''manual''))',
  'CHECK (exit_cause = ''reply'' OR exit_cause = ''bounce'' OR exit_cause = ''unsubscribe'' OR' ||
  ' exit_cause = ''manual'')')
WHERE type = 'table' AND name = 'enrollments';

PRAGMA writable_schema = RESET;

CREATE TABLE schema_cookie_bump (x);
DROP TABLE schema_cookie_bump;
