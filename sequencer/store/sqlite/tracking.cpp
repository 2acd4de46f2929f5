// Hits on the public tracking endpoints, recorded as events of the sent step.
#include "repositories.hpp"

namespace touchpoint::store::sqlite {
namespace {

// True when the step already has an event of this type (people's or machines').
bool has_event(SQLite::Database& db, std::int64_t step_run, const char* type) {
  SQLite::Statement q(db, "SELECT 1 FROM events WHERE step_run_id = ? AND type = ? LIMIT 1");
  q.bind(1, step_run);
  q.bind(2, type);
  return q.executeStep();
}

void append_hit(SQLite::Database& db, const TrackedStep& step, const std::string& type,
                const std::string& detail, const std::string& machine, Timestamp now) {
  SQLite::Statement insert(
      db,
      "INSERT INTO events (at, type, enrollment_id, prospect_id, step_run_id, "
      "message_id, detail, machine) VALUES (?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?)");
  insert.bind(1, to_db(now));
  insert.bind(2, type);
  insert.bind(3, step.enrollment.value);
  insert.bind(4, step.prospect.value);
  insert.bind(5, step.step_run.value);
  insert.bind(6, step.message.value);
  insert.bind(7, detail);
  insert.bind(8, machine);
  insert.exec();
}

}  // namespace

std::optional<TrackedStep> SqliteTracking::step(core::StepRunId step_run) {
  SQLite::Statement q(db_,
                      "SELECT r.enrollment_id, e.prospect_id, COALESCE(m.id, 0) FROM step_runs r "
                      "JOIN enrollments e ON e.id = r.enrollment_id "
                      "LEFT JOIN messages m ON m.step_run_id = r.id WHERE r.id = ?");
  q.bind(1, step_run.value);
  if (!q.executeStep()) return std::nullopt;
  return TrackedStep{step_run, core::EnrollmentId{q.getColumn(0).getInt64()},
                     core::ProspectId{q.getColumn(1).getInt64()},
                     core::MessageId{q.getColumn(2).getInt64()}};
}

void SqliteTracking::record(const TrackedStep& step, const TrackingHit& hit,
                            ImpliedOpen implied_open, Timestamp now) {
  // IMMEDIATE: take the write lock before reading, so a concurrent writer makes this wait
  // (busy timeout) instead of failing on a stale read snapshot.
  SQLite::Transaction txn(db_, SQLite::TransactionBehavior::IMMEDIATE);
  if (implied_open == ImpliedOpen::yes && !has_event(db_, step.step_run.value, "open"))
    append_hit(db_, step, "open", "", hit.machine, now);
  append_hit(db_, step, hit.type, hit.detail, hit.machine, now);
  txn.commit();
}

bool SqliteTracking::unsubscribe(const TrackedStep& step, const std::string& machine,
                                 Timestamp now) {
  SQLite::Transaction txn(db_, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement mark(
      db_, "UPDATE prospects SET unsubscribed_at = ? WHERE id = ? AND unsubscribed_at IS NULL");
  mark.bind(1, to_db(now));
  mark.bind(2, step.prospect.value);
  bool first = mark.exec() > 0;
  if (first) append_hit(db_, step, "unsubscribe", "", machine, now);
  txn.commit();
  return first;
}

}  // namespace touchpoint::store::sqlite
