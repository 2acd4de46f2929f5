#include "repositories.hpp"

namespace touchpoint::store::sqlite {
namespace {

constexpr const char* kSelect =
    "SELECT id, sequence_id, version_id, prospect_id, COALESCE(owner_id, 0), state, exit_cause, "
    "paused_until, start_at, zone FROM enrollments";

core::Enrollment enrollment_of(SQLite::Statement& row) {
  core::Enrollment e;
  e.id = core::EnrollmentId{row.getColumn(0).getInt64()};
  e.sequence = core::SequenceId{row.getColumn(1).getInt64()};
  e.version = core::SequenceVersionId{row.getColumn(2).getInt64()};
  e.prospect = core::ProspectId{row.getColumn(3).getInt64()};
  e.owner = core::UserId{row.getColumn(4).getInt64()};
  e.state = *core::parse_enrollment_state(row.getColumn(5).getString());
  if (!row.getColumn(6).isNull())
    e.exit_cause = core::parse_exit_cause(row.getColumn(6).getString());
  e.paused_until = optional_timestamp(row.getColumn(7));
  e.start = timestamp_of(row.getColumn(8).getInt64());
  e.zone = row.getColumn(9).getString();
  return e;
}

std::string not_found(core::EnrollmentId id) {
  return "no enrollment with id " + std::to_string(id.value);
}

}  // namespace

Result<EnrollSummary> SqliteEnrollments::enroll(core::SequenceId sequence,
                                                core::SequenceVersionId version,
                                                const std::vector<EnrollmentRequest>& requests,
                                                Timestamp now, std::size_t batch,
                                                const std::function<void(std::size_t)>& progress) {
  // Prepared once, bound per row: this is the hot path of large enrollments.
  SQLite::Statement insert(
      db_,
      "INSERT INTO enrollments (sequence_id, version_id, prospect_id, owner_id, state, start_at, "
      "zone, created_at, updated_at) VALUES (?1, ?2, ?3, NULLIF(?4, 0), 'active', ?5, ?6, ?7, ?7) "
      "ON CONFLICT (prospect_id, sequence_id) WHERE state IN ('active', 'paused') DO NOTHING");
  SQLite::Statement step(
      db_, "INSERT INTO step_runs (enrollment_id, position, due_at) VALUES (?, ?, ?)");
  insert.bind(1, sequence.value);
  insert.bind(2, version.value);
  insert.bind(7, to_db(now));

  EnrollSummary summary;
  if (batch == 0) batch = requests.size();
  for (std::size_t begin = 0; begin < requests.size(); begin += batch) {
    std::size_t end = std::min(requests.size(), begin + batch);
    SQLite::Transaction txn(db_, SQLite::TransactionBehavior::IMMEDIATE);
    for (std::size_t i = begin; i < end; ++i) {
      const auto& r = requests[i];
      insert.reset();
      insert.bind(3, r.prospect.value);
      insert.bind(4, r.owner.value);
      insert.bind(5, to_db(r.start));
      insert.bindNoCopy(6, r.zone);  // `requests` outlives the statement: no copy needed
      if (insert.exec() == 0) {
        summary.already_active.push_back(r.prospect);
        continue;
      }
      const std::int64_t enrollment = db_.getLastInsertRowid();
      for (std::size_t p = 0; p < r.due.size(); ++p) {
        step.reset();
        step.bind(1, enrollment);
        step.bind(2, static_cast<std::int64_t>(p + 1));
        step.bind(3, to_db(r.due[p]));
        step.exec();
      }
      ++summary.enrolled;
    }
    txn.commit();
    if (progress) progress(end);
  }
  return summary;
}

std::optional<core::Enrollment> SqliteEnrollments::get(core::EnrollmentId id) {
  SQLite::Statement q(db_, std::string(kSelect) + " WHERE id = ?");
  q.bind(1, id.value);
  if (!q.executeStep()) return std::nullopt;
  return enrollment_of(q);
}

std::vector<core::Enrollment> SqliteEnrollments::list(const EnrollmentFilter& filter) {
  SQLite::Statement q(
      db_, std::string(kSelect) +
               " WHERE (?1 IS NULL OR sequence_id = ?1) AND (?2 IS NULL OR prospect_id = ?2) "
               "ORDER BY id");
  if (filter.sequence) q.bind(1, filter.sequence->value);
  if (filter.prospect) q.bind(2, filter.prospect->value);
  std::vector<core::Enrollment> out;
  while (q.executeStep()) out.push_back(enrollment_of(q));
  return out;
}

std::vector<int> SqliteEnrollments::shifts(core::EnrollmentId id) {
  SQLite::Statement q(db_, "SELECT shift FROM step_runs WHERE enrollment_id = ? ORDER BY position");
  q.bind(1, id.value);
  std::vector<int> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getInt());
  return out;
}

tl::unexpected<core::Error> SqliteEnrollments::refusal(core::EnrollmentId id, const char* why) {
  if (!get(id)) return core::fail(core::ErrorCode::not_found, not_found(id));
  return core::fail(core::ErrorCode::conflict, "enrollment " + std::to_string(id.value) + " " + why);
}

Result<core::Enrollment> SqliteEnrollments::pause(core::EnrollmentId id,
                                                  std::optional<Timestamp> until, Timestamp now) {
  SQLite::Transaction txn(db_, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement u(db_,
                      "UPDATE enrollments SET state = 'paused', paused_until = ?, updated_at = ? "
                      "WHERE id = ? AND state IN ('active', 'paused')");
  bind_optional(u, 1, until);
  u.bind(2, to_db(now));
  u.bind(3, id.value);
  if (u.exec() == 0) return refusal(id, "has ended");
  append_event(db_, now, "paused", id.value, 0, 0, 0, until ? core::format_utc(*until) : "");
  txn.commit();
  return *get(id);
}

Result<core::Enrollment> SqliteEnrollments::resume(core::EnrollmentId id, Timestamp now) {
  SQLite::Transaction txn(db_, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement u(
      db_,
      "UPDATE enrollments SET state = 'active', paused_until = NULL, updated_at = ? "
      "WHERE id = ? AND state = 'paused'");
  u.bind(1, to_db(now));
  u.bind(2, id.value);
  if (u.exec() == 0) return refusal(id, "is not paused");
  append_event(db_, now, "resumed", id.value, 0, 0, 0, "");
  txn.commit();
  return *get(id);
}

Result<core::Enrollment> SqliteEnrollments::exit(core::EnrollmentId id, core::ExitCause cause,
                                                 Timestamp now) {
  SQLite::Transaction txn(db_, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement u(db_,
                      "UPDATE enrollments SET state = 'exited', exit_cause = ?, paused_until = "
                      "NULL, updated_at = ? "
                      "WHERE id = ? AND state IN ('active', 'paused')");
  u.bind(1, core::to_string(cause));
  u.bind(2, to_db(now));
  u.bind(3, id.value);
  if (u.exec() == 0) return refusal(id, "has ended");
  SQLite::Statement cancel(
      db_,
      "UPDATE step_runs SET state = CASE state WHEN 'open' THEN 'skipped' ELSE 'cancelled' END, "
      "closed_at = CASE state WHEN 'open' THEN ?1 ELSE closed_at END "
      "WHERE enrollment_id = ?2 AND state IN ('scheduled', 'open')");
  cancel.bind(1, to_db(now));
  cancel.bind(2, id.value);
  cancel.exec();
  append_event(db_, now, "exited", id.value, 0, 0, 0, core::to_string(cause));
  txn.commit();
  return *get(id);
}

void finish_if_done(SQLite::Database& db, std::int64_t enrollment_id, Timestamp now) {
  SQLite::Statement u(db,
                      "UPDATE enrollments SET state = 'finished', updated_at = ?1 WHERE id = ?2 "
                      "AND state = 'active' "
                      "AND NOT EXISTS (SELECT 1 FROM step_runs WHERE enrollment_id = ?2 AND state "
                      "IN ('scheduled', 'open'))");
  u.bind(1, to_db(now));
  u.bind(2, enrollment_id);
  if (u.exec() > 0) append_event(db, now, "finished", enrollment_id, 0, 0, 0, "");
}

}  // namespace touchpoint::store::sqlite
