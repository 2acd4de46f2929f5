// Moving enrollments between versions of their sequence.
#include "repositories.hpp"

namespace touchpoint::store::sqlite {

Result<core::Enrollment> SqliteEnrollments::move_to_version(core::EnrollmentId id,
                                                            core::SequenceVersionId version,
                                                            const std::vector<Timestamp>& due,
                                                            Timestamp now) {
  SQLite::Transaction txn(db_, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement u(db_,
                      "UPDATE enrollments SET version_id = ?1, updated_at = ?2 WHERE id = ?3 "
                      "AND state IN ('active', 'paused') AND sequence_id = "
                      "(SELECT sequence_id FROM sequence_versions WHERE id = ?1)");
  u.bind(1, version.value);
  u.bind(2, to_db(now));
  u.bind(3, id.value);
  if (u.exec() == 0) return refusal(id, "has ended or is in another sequence");
  // Pending steps take the new plan; new positions are added; dropped ones are cancelled.
  SQLite::Statement upsert(
      db_,
      "INSERT INTO step_runs (enrollment_id, position, due_at) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (enrollment_id, position) DO UPDATE SET due_at = excluded.due_at "
      "WHERE step_runs.state = 'scheduled'");
  for (std::size_t p = 0; p < due.size(); ++p) {
    upsert.reset();
    upsert.bind(1, id.value);
    upsert.bind(2, static_cast<std::int64_t>(p + 1));
    upsert.bind(3, to_db(due[p]));
    upsert.exec();
  }
  SQLite::Statement drop(
      db_,
      "UPDATE step_runs SET state = 'cancelled' WHERE enrollment_id = ? AND position > ? "
      "AND state = 'scheduled'");
  drop.bind(1, id.value);
  drop.bind(2, static_cast<std::int64_t>(due.size()));
  drop.exec();
  append_event(db_, now, "moved", id.value, 0, 0, 0, "version " + std::to_string(version.value));
  finish_if_done(db_, id.value, now);
  txn.commit();
  return *get(id);
}

}  // namespace touchpoint::store::sqlite
