// Hits on the public tracking endpoints, recorded as events of the sent step. The statements
// every hit runs are prepared once per connection.
#include "repositories.hpp"

#include <unordered_map>

namespace touchpoint::store::sqlite {

std::optional<TrackedStep> SqliteTracking::step(core::StepRunId step_run) {
  auto& q = prepare_once(step_, db_,
                         "SELECT r.enrollment_id, e.prospect_id, COALESCE(m.id, 0) FROM step_runs r "
                         "JOIN enrollments e ON e.id = r.enrollment_id "
                         "LEFT JOIN messages m ON m.step_run_id = r.id WHERE r.id = ?");
  ResetAfter reset{q};
  q.bind(1, step_run.value);
  if (!q.executeStep()) return std::nullopt;
  return TrackedStep{step_run, core::EnrollmentId{q.getColumn(0).getInt64()},
                     core::ProspectId{q.getColumn(1).getInt64()},
                     core::MessageId{q.getColumn(2).getInt64()}};
}

std::vector<bool> SqliteTracking::record_all(const std::vector<PendingHit>& hits) {
  // True when the step already has an event of this type (people's or machines'), including
  // one this transaction has just written.
  auto has_event = [&](std::int64_t step_run, const char* type) {
    auto& q = prepare_once(has_event_, db_,
                           "SELECT 1 FROM events WHERE step_run_id = ? AND type = ? LIMIT 1");
    ResetAfter reset{q};
    q.bind(1, step_run);
    q.bind(2, type);
    return q.executeStep();
  };
  auto append = [&](const TrackedStep& step, const std::string& type, const std::string& detail,
                    const std::string& machine, Timestamp at) {
    auto& insert = prepare_once(
        insert_, db_,
        "INSERT INTO events (at, type, enrollment_id, prospect_id, step_run_id, "
        "message_id, detail, machine) VALUES (?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?)");
    ResetAfter reset{insert};
    insert.bind(1, to_db(at));
    insert.bind(2, type);
    insert.bind(3, step.enrollment.value);
    insert.bind(4, step.prospect.value);
    insert.bind(5, step.step_run.value);
    insert.bind(6, step.message.value);
    insert.bind(7, detail);
    insert.bind(8, machine);
    insert.exec();
  };

  std::vector<bool> found;
  found.reserve(hits.size());
  // IMMEDIATE: take the write lock before reading, so a concurrent writer makes this wait
  // (busy timeout) instead of failing on a stale read snapshot.
  prepare_once(begin_, db_, "BEGIN IMMEDIATE").exec();
  try {
    // A batch often holds several hits on one step (image proxies fetch a pixel again and
    // again): its row is read once.
    std::unordered_map<std::int64_t, std::optional<TrackedStep>> steps;
    for (const auto& h : hits) {
      auto [at, fresh] = steps.try_emplace(h.step_run.value);
      if (fresh) at->second = this->step(h.step_run);
      const auto& step = at->second;
      found.push_back(step.has_value());
      if (!step) continue;
      if (h.implied_open == ImpliedOpen::yes && !has_event(step->step_run.value, "open"))
        append(*step, "open", "", h.hit.machine, h.at);
      append(*step, h.hit.type, h.hit.detail, h.hit.machine, h.at);
    }
    prepare_once(commit_, db_, "COMMIT").exec();
  } catch (...) {
    try {
      prepare_once(rollback_, db_, "ROLLBACK").exec();
    } catch (...) {  // no transaction left to roll back: SQLite ended it with the error
    }
    throw;
  }
  return found;
}

bool SqliteTracking::unsubscribe(const TrackedStep& step, const std::string& machine,
                                 Timestamp now) {
  SQLite::Transaction txn(db_, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement mark(
      db_, "UPDATE prospects SET unsubscribed_at = ? WHERE id = ? AND unsubscribed_at IS NULL");
  mark.bind(1, to_db(now));
  mark.bind(2, step.prospect.value);
  bool first = mark.exec() > 0;
  if (first) {
    SQLite::Statement insert(
        db_,
        "INSERT INTO events (at, type, enrollment_id, prospect_id, step_run_id, "
        "message_id, detail, machine) VALUES (?, 'unsubscribe', ?, ?, ?, NULLIF(?, 0), '', ?)");
    insert.bind(1, to_db(now));
    insert.bind(2, step.enrollment.value);
    insert.bind(3, step.prospect.value);
    insert.bind(4, step.step_run.value);
    insert.bind(5, step.message.value);
    insert.bind(6, machine);
    insert.exec();
  }
  txn.commit();
  return first;
}

}  // namespace touchpoint::store::sqlite
