#include "salesforce.hpp"

namespace touchpoint::store::sqlite {
namespace {

// Queues each record whose payload differs from its row's; returns how many were queued. Only
// a changed payload touches its row: the WHERE of the upsert keeps the others as they are.
std::size_t upsert_pending(SQLite::Database& db, const std::vector<OutboxRecord>& records,
                           core::Timestamp now) {
  SQLite::Statement u(
      db,
      "INSERT INTO salesforce_outbox (external_id, payload, state, queued_at) "
      "VALUES (?1, ?2, 'pending', ?3) ON CONFLICT (external_id) DO UPDATE SET "
      "payload = excluded.payload, state = 'pending', attempts = 0, next_attempt_at = 0, "
      "last_error = '', queued_at = excluded.queued_at, done_at = NULL "
      "WHERE salesforce_outbox.payload <> excluded.payload");
  std::size_t staged = 0;
  for (const auto& r : records) {
    u.reset();
    u.bind(1, r.external_id);
    u.bind(2, r.payload);
    u.bind(3, to_db(now));
    staged += static_cast<std::size_t>(u.exec());
  }
  return staged;
}

}  // namespace

std::vector<OutboxRecord> SqliteSalesforce::changed(const std::vector<OutboxRecord>& current) {
  SQLite::Statement q(db_, "SELECT payload FROM salesforce_outbox WHERE external_id = ?");
  std::vector<OutboxRecord> out;
  for (const auto& r : current) {
    q.reset();
    q.bind(1, r.external_id);
    if (!q.executeStep()) {
      out.push_back({r.external_id, r.payload, ""});
    } else if (q.getColumn(0).getString() != r.payload) {
      out.push_back({r.external_id, r.payload, q.getColumn(0).getString()});
    }
  }
  return out;
}

std::size_t SqliteSalesforce::stage(const std::vector<OutboxRecord>& current,
                                    core::Timestamp now) {
  SQLite::Transaction txn(db_, SQLite::TransactionBehavior::IMMEDIATE);
  auto staged = upsert_pending(db_, current, now);
  txn.commit();
  return staged;
}

std::vector<OutboxRow> SqliteSalesforce::pending_after(std::int64_t seq, std::size_t limit,
                                                       core::Timestamp now) {
  // By rowid from `seq` on: the rows already done before it are never read again, so a pass
  // over the outbox costs one walk, however many calls it takes. (A row staged before has no
  // payload yet: '' until the sync built it.)
  SQLite::Statement q(db_,
                      "SELECT external_id, payload, attempts, last_error, rowid "
                      "FROM salesforce_outbox WHERE rowid > ?1 AND state = 'pending' "
                      "AND next_attempt_at <= ?2 AND payload <> '' ORDER BY rowid LIMIT ?3");
  q.bind(1, seq);
  q.bind(2, to_db(now));
  q.bind(3, static_cast<std::int64_t>(limit));
  std::vector<OutboxRow> out;
  while (q.executeStep())
    out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getInt(),
                   q.getColumn(3).getString(), q.getColumn(4).getInt64()});
  return out;
}

void SqliteSalesforce::settle(const std::vector<OutboxResult>& results, core::Timestamp now) {
  if (results.empty()) return;
  SQLite::Transaction txn(db_, SQLite::TransactionBehavior::IMMEDIATE);
  // Each write applies only while the row still holds the payload that was sent: a row
  // changed meanwhile stays pending with its new payload. Rows are found by their rowid (the
  // seq pending_after read), the quickest lookup.
  const char* where = "WHERE rowid = ?5 AND external_id = ?3 AND payload = ?4";
  SQLite::Statement done(db_,
                         std::string("UPDATE salesforce_outbox SET state = 'done', done_at = ?1, "
                                     "last_error = '', salesforce_id = CASE ?2 WHEN '' THEN "
                                     "salesforce_id ELSE ?2 END ") + where);
  SQLite::Statement retry(db_,
                          std::string("UPDATE salesforce_outbox SET attempts = attempts + 1, "
                                      "last_error = ?1, next_attempt_at = ?2 ") + where);
  SQLite::Statement failed(db_,
                           std::string("UPDATE salesforce_outbox SET state = 'failed', "
                                       "attempts = attempts + 1, last_error = ?1, done_at = ?2 ") +
                               where);
  for (const auto& r : results) {
    SQLite::Statement& u = r.kind == OutboxResult::Kind::confirmed ? done
                           : r.kind == OutboxResult::Kind::retry   ? retry
                                                                   : failed;
    u.reset();
    if (r.kind == OutboxResult::Kind::confirmed) {
      u.bind(1, to_db(now));
      u.bind(2, r.detail);
    } else {
      u.bind(1, r.detail);
      u.bind(2, to_db(r.kind == OutboxResult::Kind::retry ? r.retry_at : now));
    }
    u.bind(3, r.row.external_id);
    u.bind(4, r.row.payload);
    u.bind(5, r.row.seq);
    u.exec();
  }
  txn.commit();
}

std::vector<OutboxMark> SqliteSalesforce::marked(std::size_t limit) {
  SQLite::Statement q(db_,
                      "SELECT external_id, dirty FROM salesforce_outbox WHERE dirty > 0 "
                      "ORDER BY external_id LIMIT ?");
  q.bind(1, static_cast<std::int64_t>(limit));
  std::vector<OutboxMark> out;
  while (q.executeStep()) out.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt64()});
  return out;
}

std::size_t SqliteSalesforce::stage_marked(const std::vector<OutboxRecord>& records,
                                           const std::vector<OutboxMark>& marks,
                                           core::Timestamp now) {
  SQLite::Transaction txn(db_, SQLite::TransactionBehavior::IMMEDIATE);
  auto staged = upsert_pending(db_, records, now);
  // Compare-and-clear: a change committed after the mark was read bumped it, so it stays.
  SQLite::Statement drop(db_,
                         "DELETE FROM salesforce_outbox WHERE external_id = ?1 AND dirty = ?2 "
                         "AND payload = ''");
  SQLite::Statement clear(db_,
                          "UPDATE salesforce_outbox SET dirty = 0 WHERE external_id = ?1 "
                          "AND dirty = ?2");
  for (const auto& m : marks) {
    for (auto* s : {&drop, &clear}) {
      s->reset();
      s->bind(1, m.external_id);
      s->bind(2, m.generation);
      s->exec();
    }
  }
  txn.commit();
  return staged;
}

std::optional<SentEmail> SqliteSalesforce::sent_email(std::int64_t id) {
  SQLite::Statement q(db_,
                      "SELECT m.id, m.message_id, m.subject, m.from_email, m.to_email, "
                      "COALESCE(s.position, 0), COALESCE(m.sent_at, m.created_at) "
                      "FROM messages m LEFT JOIN step_runs s ON s.id = m.step_run_id "
                      "WHERE m.id = ? AND m.state = 'sent'");
  q.bind(1, id);
  if (!q.executeStep()) return std::nullopt;
  return SentEmail{q.getColumn(0).getInt64(), q.getColumn(1).getString(),
                   q.getColumn(2).getString(), q.getColumn(3).getString(),
                   q.getColumn(4).getString(),  q.getColumn(5).getInt(),
                   timestamp_of(q.getColumn(6).getInt64())};
}

OutboxCounts SqliteSalesforce::counts() {
  SQLite::Statement q(db_, "SELECT state, COUNT(*) FROM salesforce_outbox GROUP BY state");
  OutboxCounts c;
  while (q.executeStep()) {
    auto state = q.getColumn(0).getString();
    auto n = q.getColumn(1).getInt64();
    if (state == "pending") c.pending = n;
    if (state == "done") c.done = n;
    if (state == "failed") c.failed = n;
  }
  return c;
}

std::vector<OutboxRow> SqliteSalesforce::failures(std::size_t limit) {
  SQLite::Statement q(db_,
                      "SELECT external_id, payload, attempts, last_error FROM salesforce_outbox "
                      "WHERE state = 'failed' ORDER BY done_at DESC LIMIT ?");
  q.bind(1, static_cast<std::int64_t>(limit));
  std::vector<OutboxRow> out;
  while (q.executeStep())
    out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getInt(),
                   q.getColumn(3).getString()});
  return out;
}

std::optional<std::string> SqliteSalesforce::state(const std::string& key) {
  SQLite::Statement q(db_, "SELECT value FROM salesforce_state WHERE key = ?");
  q.bind(1, key);
  if (!q.executeStep()) return std::nullopt;
  return q.getColumn(0).getString();
}

void SqliteSalesforce::set_state(const std::string& key, const std::string& value,
                                 core::Timestamp now) {
  SQLite::Statement u(db_,
                      "INSERT INTO salesforce_state (key, value, updated_at) VALUES (?1, ?2, ?3) "
                      "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                      "updated_at = excluded.updated_at");
  u.bind(1, key);
  u.bind(2, value);
  u.bind(3, to_db(now));
  u.exec();
}

PullResult SqliteSalesforce::upsert_prospect(const PulledProspect& p, core::Timestamp now) {
  if (p.email.empty()) return PullResult::skipped;
  SQLite::Transaction txn(db_, SQLite::TransactionBehavior::IMMEDIATE);
  std::optional<std::int64_t> owner;
  if (!p.owner_email.empty()) {
    SQLite::Statement o(db_, "SELECT id FROM users WHERE email = ?");
    o.bind(1, p.owner_email);
    if (o.executeStep()) owner = o.getColumn(0).getInt64();
  }
  // By Salesforce id first (the email may have changed there), then by email.
  SQLite::Statement find(db_,
                         "SELECT id, email, first_name, last_name, company, title, phone, "
                         "owner_id, salesforce_id FROM prospects WHERE salesforce_id = ?1 "
                         "UNION ALL SELECT id, email, first_name, last_name, company, title, "
                         "phone, owner_id, salesforce_id FROM prospects WHERE email = ?2 LIMIT 1");
  find.bind(1, p.salesforce_id);
  find.bind(2, p.email);
  PullResult result;
  if (find.executeStep()) {
    auto id = find.getColumn(0).getInt64();
    std::optional<std::int64_t> old_owner;
    if (!find.getColumn(7).isNull()) old_owner = find.getColumn(7).getInt64();
    bool same = find.getColumn(1).getString() == p.email &&
                find.getColumn(2).getString() == p.first_name &&
                find.getColumn(3).getString() == p.last_name &&
                find.getColumn(4).getString() == p.company &&
                find.getColumn(5).getString() == p.title &&
                find.getColumn(6).getString() == p.phone &&
                find.getColumn(8).getString() == p.salesforce_id && (!owner || owner == old_owner);
    if (same) return PullResult::unchanged;
    SQLite::Statement u(db_,
                        "UPDATE prospects SET email = ?1, first_name = ?2, last_name = ?3, "
                        "company = ?4, title = ?5, phone = ?6, salesforce_id = ?7, "
                        "owner_id = COALESCE(?8, owner_id), updated_at = ?9 WHERE id = ?10");
    u.bind(1, p.email);
    u.bind(2, p.first_name);
    u.bind(3, p.last_name);
    u.bind(4, p.company);
    u.bind(5, p.title);
    u.bind(6, p.phone);
    u.bind(7, p.salesforce_id);
    if (owner) u.bind(8, *owner); else u.bind(8);
    u.bind(9, to_db(now));
    u.bind(10, id);
    u.exec();
    result = PullResult::updated;
  } else {
    SQLite::Statement i(db_,
                        "INSERT INTO prospects (email, first_name, last_name, company, title, "
                        "phone, salesforce_id, owner_id, created_at, updated_at) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)");
    i.bind(1, p.email);
    i.bind(2, p.first_name);
    i.bind(3, p.last_name);
    i.bind(4, p.company);
    i.bind(5, p.title);
    i.bind(6, p.phone);
    i.bind(7, p.salesforce_id);
    if (owner) i.bind(8, *owner); else i.bind(8);
    i.bind(9, to_db(now));
    i.exec();
    result = PullResult::inserted;
  }
  txn.commit();
  return result;
}

bool SqliteSalesforce::unlink_prospect(const std::string& salesforce_id, core::Timestamp now) {
  if (salesforce_id.empty()) return false;
  SQLite::Transaction txn(db_, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement q(db_, "SELECT id FROM prospects WHERE salesforce_id = ?");
  q.bind(1, salesforce_id);
  if (!q.executeStep()) return false;
  auto id = q.getColumn(0).getInt64();
  SQLite::Statement u(db_, "UPDATE prospects SET salesforce_id = '', updated_at = ? WHERE id = ?");
  u.bind(1, to_db(now));
  u.bind(2, id);
  u.exec();
  append_event(db_, now, "salesforce_deleted", 0, id, 0, 0, salesforce_id);
  txn.commit();
  return true;
}

}  // namespace touchpoint::store::sqlite
