#include "repositories.hpp"

namespace touchpoint::store::sqlite {
namespace {

// Tasks are the step_runs that opened as tasks (see the migration).
constexpr const char* kSelect =
    "SELECT r.id, r.type, r.state, r.enrollment_id, e.prospect_id, p.email, "
    "p.first_name, p.last_name, COALESCE(r.owner_id, 0), COALESCE(u.email, ''), "
    "s.name, r.position, r.title, COALESCE(r.note, ''), COALESCE(r.subject, ''), "
    "COALESCE(r.body, ''), r.due_date, r.due_at, r.snoozed_until, COALESCE(r.outcome, ''), "
    "COALESCE(r.notes, ''), COALESCE(r.sent_message_id, ''), r.closed_at "
    "FROM step_runs r JOIN enrollments e ON e.id = r.enrollment_id "
    "JOIN prospects p ON p.id = e.prospect_id JOIN sequences s ON s.id = e.sequence_id "
    "LEFT JOIN users u ON u.id = r.owner_id";

core::Task task_of(SQLite::Statement& row) {
  core::Task t;
  t.id = core::TaskId{row.getColumn(0).getInt64()};
  t.type = core::parse_step_type(row.getColumn(1).getString()).value_or(core::StepType::task);
  t.state = core::parse_task_state(row.getColumn(2).getString()).value_or(core::TaskState::skipped);
  t.enrollment = core::EnrollmentId{row.getColumn(3).getInt64()};
  t.prospect = core::ProspectId{row.getColumn(4).getInt64()};
  t.prospect_email = row.getColumn(5).getString();
  t.prospect_name = core::full_name(row.getColumn(6).getString(), row.getColumn(7).getString());
  t.owner = core::UserId{row.getColumn(8).getInt64()};
  t.owner_email = row.getColumn(9).getString();
  t.sequence_name = row.getColumn(10).getString();
  t.position = row.getColumn(11).getInt();
  t.title = row.getColumn(12).getString();
  t.note = row.getColumn(13).getString();
  t.subject = row.getColumn(14).getString();
  t.body = row.getColumn(15).getString();
  t.due_date = date::local_days{*core::parse_date(row.getColumn(16).getString())};
  t.due_at = timestamp_of(row.getColumn(17).getInt64());
  t.snoozed_until = optional_timestamp(row.getColumn(18));
  t.outcome = row.getColumn(19).getString();
  t.notes = row.getColumn(20).getString();
  t.sent_message_id = row.getColumn(21).getString();
  t.closed_at = optional_timestamp(row.getColumn(22));
  return t;
}

std::string task_name(core::TaskId id) {
  return "task " + std::to_string(id.value);
}

}  // namespace

std::vector<core::Task> SqliteTasks::list(const TaskFilter& filter) {
  std::string sql = std::string(kSelect) +
                    " WHERE r.type IS NOT NULL AND r.state IN ('open', 'completed', 'skipped') "
                    "AND (?1 IS NULL OR r.owner_id = ?1) AND (?2 IS NULL OR r.type = ?2) "
                    "AND (?3 IS NULL OR r.state = ?3) AND (?4 IS NULL OR r.enrollment_id = ?4) "
                    "ORDER BY r.due_at, r.id";
  if (filter.limit) sql += " LIMIT " + std::to_string(filter.limit);
  if (filter.offset)
    sql +=
        (filter.limit ? "" : " LIMIT -1") + std::string(" OFFSET ") + std::to_string(filter.offset);
  SQLite::Statement q(db_, sql);
  if (filter.owner) q.bind(1, filter.owner->value);
  if (filter.type) q.bind(2, core::to_string(*filter.type));
  if (filter.state) q.bind(3, core::to_string(*filter.state));
  if (filter.enrollment) q.bind(4, filter.enrollment->value);
  std::vector<core::Task> out;
  while (q.executeStep()) out.push_back(task_of(q));
  return out;
}

std::optional<core::Task> SqliteTasks::get(core::TaskId id) {
  SQLite::Statement q(db_, std::string(kSelect) +
                               " WHERE r.id = ? AND r.type IS NOT NULL "
                               "AND r.state IN ('open', 'completed', 'skipped')");
  q.bind(1, id.value);
  if (!q.executeStep()) return std::nullopt;
  return task_of(q);
}

Result<core::Task> SqliteTasks::close(core::TaskId id, const TaskClosure& closure,
                                      const std::vector<Reschedule>& later_steps) {
  if (closure.state == core::TaskState::open)
    return core::fail(core::ErrorCode::invalid_input, "a task closes as completed or skipped");
  SQLite::Transaction txn(db_, SQLite::TransactionBehavior::IMMEDIATE);
  // The state guard makes concurrent closes safe: only one UPDATE matches.
  SQLite::Statement u(
      db_,
      "UPDATE step_runs SET state = ?, outcome = ?, notes = ?, sent_message_id = NULLIF(?, ''), "
      "closed_at = ? WHERE id = ? AND state = 'open'");
  u.bind(1, core::to_string(closure.state));
  u.bind(2, closure.outcome);
  u.bind(3, closure.notes);
  u.bind(4, closure.sent_message_id);
  u.bind(5, to_db(closure.at));
  u.bind(6, id.value);
  if (u.exec() == 0) {
    auto task = get(id);
    if (!task) return core::fail(core::ErrorCode::not_found, "no " + task_name(id));
    return core::fail(core::ErrorCode::conflict,
                      task_name(id) + " is already " + core::to_string(task->state));
  }
  auto task = *get(id);
  SQLite::Statement move(
      db_,
      "UPDATE step_runs SET due_at = ?, shift = ? WHERE enrollment_id = ? AND position = ? "
      "AND state = 'scheduled'");
  for (const auto& r : later_steps) {
    move.reset();
    move.bind(1, to_db(r.due_at));
    move.bind(2, r.shift);
    move.bind(3, task.enrollment.value);
    move.bind(4, r.position);
    move.exec();
  }
  append_event(db_, closure.at,
               closure.state == core::TaskState::completed ? "task_completed" : "task_skipped",
               task.enrollment.value, task.prospect.value, id.value, 0, closure.outcome);
  finish_if_done(db_, task.enrollment.value, closure.at);
  txn.commit();
  return task;
}

Result<core::Task> SqliteTasks::snooze(core::TaskId id, Timestamp until, Timestamp now) {
  SQLite::Statement u(db_,
                      "UPDATE step_runs SET snoozed_until = ? WHERE id = ? AND state = 'open'");
  u.bind(1, to_db(until));
  u.bind(2, id.value);
  if (u.exec() == 0) {
    if (!get(id)) return core::fail(core::ErrorCode::not_found, "no " + task_name(id));
    return core::fail(core::ErrorCode::conflict, task_name(id) + " is not open");
  }
  auto task = *get(id);
  append_event(db_, now, "task_snoozed", task.enrollment.value, task.prospect.value, id.value, 0,
               core::format_utc(until));
  return task;
}

Result<core::Task> SqliteTasks::reassign(core::TaskId id, core::UserId owner, Timestamp now) {
  SQLite::Statement u(db_, "UPDATE step_runs SET owner_id = ? WHERE id = ? AND state = 'open'");
  u.bind(1, owner.value);
  u.bind(2, id.value);
  if (u.exec() == 0) {
    if (!get(id)) return core::fail(core::ErrorCode::not_found, "no " + task_name(id));
    return core::fail(core::ErrorCode::conflict, task_name(id) + " is not open");
  }
  auto task = *get(id);
  append_event(db_, now, "task_reassigned", task.enrollment.value, task.prospect.value, id.value, 0,
               task.owner_email);
  return task;
}

}  // namespace touchpoint::store::sqlite
