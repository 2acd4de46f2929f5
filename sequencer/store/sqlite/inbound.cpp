#include "repositories.hpp"

namespace touchpoint::store::sqlite {

bool SqliteInbound::seen(const std::string& message_id) {
  SQLite::Statement q(db_, "SELECT 1 FROM inbound_messages WHERE message_id = ?");
  q.bind(1, message_id);
  return q.executeStep();
}

bool SqliteInbound::remember(const std::string& message_id, const std::string& kind,
                             Timestamp now) {
  SQLite::Statement q(
      db_,
      "INSERT INTO inbound_messages (message_id, kind, received_at) VALUES (?, ?, ?) "
      "ON CONFLICT (message_id) DO NOTHING");
  q.bind(1, message_id);
  q.bind(2, kind);
  q.bind(3, to_db(now));
  return q.exec() > 0;
}

std::optional<SentRef> SqliteInbound::sent_message(const std::vector<std::string>& message_ids) {
  SQLite::Statement q(db_,
                      "SELECT id, step_run_id, enrollment_id FROM messages WHERE message_id = ?");
  // The newest reference is the last one: References lists the thread oldest first.
  for (auto it = message_ids.rbegin(); it != message_ids.rend(); ++it) {
    q.reset();
    q.bind(1, *it);
    if (q.executeStep())
      return SentRef{core::MessageId{q.getColumn(0).getInt64()},
                     core::StepRunId{q.getColumn(1).getInt64()},
                     core::EnrollmentId{q.getColumn(2).getInt64()}};
  }
  return std::nullopt;
}

void SqliteInbound::record(Timestamp at, const std::string& type,
                           std::optional<core::EnrollmentId> enrollment,
                           std::optional<core::ProspectId> prospect, const std::string& detail,
                           const std::optional<SentRef>& about) {
  append_event(db_, at, type, enrollment ? enrollment->value : 0, prospect ? prospect->value : 0,
               about ? about->step_run.value : 0, about ? about->message.value : 0, detail);
}

void SqliteInbound::mark_hard_bounced(core::ProspectId prospect, Timestamp at) {
  SQLite::Statement q(
      db_, "UPDATE prospects SET hard_bounced_at = COALESCE(hard_bounced_at, ?) WHERE id = ?");
  q.bind(1, to_db(at));
  q.bind(2, prospect.value);
  q.exec();
}

std::pair<std::uint32_t, std::uint32_t> SqliteInbound::cursor(const std::string& mailbox) {
  SQLite::Statement q(db_, "SELECT uid_validity, last_uid FROM imap_cursors WHERE mailbox = ?");
  q.bind(1, mailbox);
  if (!q.executeStep()) return {0, 0};
  return {static_cast<std::uint32_t>(q.getColumn(0).getInt64()),
          static_cast<std::uint32_t>(q.getColumn(1).getInt64())};
}

void SqliteInbound::save_cursor(const std::string& mailbox, std::uint32_t uid_validity,
                                std::uint32_t last_uid) {
  SQLite::Statement q(db_,
                      "INSERT INTO imap_cursors (mailbox, uid_validity, last_uid) VALUES (?, ?, ?) "
                      "ON CONFLICT (mailbox) DO UPDATE SET uid_validity = excluded.uid_validity, "
                      "last_uid = excluded.last_uid");
  q.bind(1, mailbox);
  q.bind(2, static_cast<std::int64_t>(uid_validity));
  q.bind(3, static_cast<std::int64_t>(last_uid));
  q.exec();
}

}  // namespace touchpoint::store::sqlite
