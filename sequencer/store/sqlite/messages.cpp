#include "repositories.hpp"

#include <array>
#include <set>
#include <string_view>

namespace touchpoint::store::sqlite {
namespace {

// The columns outgoing_of() reads: from `messages m` and its body `message_bodies b`.
constexpr const char* kOutgoingColumns =
    "m.id, m.message_id, m.created_at, m.from_name, m.from_email, m.to_name, m.to_email, "
    "m.subject, b.html, m.in_reply_to, m.refs, m.unsubscribe_url, m.unsubscribe_mailto";
constexpr const char* kWithBody =
    " FROM messages m JOIN message_bodies b ON b.step_run_id = m.step_run_id ";

core::OutgoingMessage outgoing_of(SQLite::Statement& row) {
  core::OutgoingMessage m;
  m.id = core::MessageId{row.getColumn(0).getInt64()};
  m.message_id = row.getColumn(1).getString();
  m.date = timestamp_of(row.getColumn(2).getInt64());
  m.from_name = row.getColumn(3).getString();
  m.from_email = row.getColumn(4).getString();
  m.to_name = row.getColumn(5).getString();
  m.to_email = row.getColumn(6).getString();
  m.subject = row.getColumn(7).getString();
  m.html = row.getColumn(8).getString();
  m.in_reply_to = row.getColumn(9).getString();
  m.references = split_references(row.getColumn(10).getString());
  m.unsubscribe_url = row.getColumn(11).getString();
  m.unsubscribe_mailto = row.getColumn(12).getString();
  return m;
}

DeliveryState delivery_state_of(const std::string& text) {
  for (auto s : {DeliveryState::queued, DeliveryState::sending, DeliveryState::sent,
                 DeliveryState::failed, DeliveryState::unknown})
    if (text == to_string(s)) return s;
  return DeliveryState::unknown;
}

}  // namespace

std::vector<StoredMessage> SqliteMessages::list(std::optional<core::EnrollmentId> enrollment) {
  SQLite::Statement q(db_, std::string("SELECT ") + kOutgoingColumns +
                               ", m.state, m.enrollment_id, r.position, m.due_at, m.sent_at, "
                               "m.detail" +
                               kWithBody +
                               "JOIN step_runs r ON r.id = m.step_run_id "
                               "WHERE (?1 IS NULL OR m.enrollment_id = ?1) ORDER BY m.id");
  if (enrollment) q.bind(1, enrollment->value);
  std::vector<StoredMessage> out;
  while (q.executeStep()) {
    StoredMessage s;
    s.message = outgoing_of(q);
    s.state = delivery_state_of(q.getColumn(13).getString());
    s.enrollment = core::EnrollmentId{q.getColumn(14).getInt64()};
    s.position = q.getColumn(15).getInt();
    s.due_at = timestamp_of(q.getColumn(16).getInt64());
    s.sent_at = optional_timestamp(q.getColumn(17));
    s.detail = q.getColumn(18).getString();
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<core::OutgoingMessage> SqliteMessages::advance(
    const std::vector<std::pair<core::MessageId, core::SendOutcome>>& outcomes, std::size_t next,
    Timestamp now, const SendGate& gate) {
  SQLite::Transaction txn(db_, SQLite::TransactionBehavior::IMMEDIATE);
  // The statements are kept between calls: a send runs this once per group of outcomes, and
  // preparing them (the UPDATE's triggers included) showed in its profile.
  if (!outcomes.empty()) {
    if (!events_) events_.emplace(db_);
    auto& update = prepare_once(
        record_outcome_, db_,
        "UPDATE messages SET state = ?1, detail = ?2, sent_at = CASE ?1 WHEN 'sent' THEN ?3 END, "
        "attempted_at = ?3, "
        // Transient failures wait 1, 2, 4 ... minutes, at most an hour, before the next try.
        "next_attempt_at = CASE ?1 WHEN 'queued' THEN ?3 + MIN(3600, 60 << MIN(attempts - 1, 6)) "
        "END "
        "WHERE id = ?4 AND state = 'sending' RETURNING enrollment_id, step_run_id");
    for (const auto& [id, outcome] : outcomes) {
      // A transient failure goes back to the queue, to be tried again after a backoff; one the
      // transport says may have been accepted is `unknown`, never resent (DESIGN.md §6).
      DeliveryState state = outcome.status == core::SendStatus::sent      ? DeliveryState::sent
                            : outcome.status == core::SendStatus::unknown ? DeliveryState::unknown
                            : outcome.status == core::SendStatus::transient
                                ? DeliveryState::queued
                                : DeliveryState::failed;
      update.reset();
      ResetAfter done{update};
      update.bind(1, to_string(state));
      update.bind(2, outcome.detail);
      update.bind(3, to_db(now));
      update.bind(4, id.value);
      if (!update.executeStep()) continue;
      std::int64_t enrollment = update.getColumn(0).getInt64();
      std::int64_t step = update.getColumn(1).getInt64();
      while (update.executeStep()) {
      }
      const char* event = state == DeliveryState::sent      ? "sent"
                          : state == DeliveryState::failed  ? "hard_bounce"
                          : state == DeliveryState::unknown ? "unknown"
                                                            : "deferred";
      events_->append(now, event, enrollment, 0, step, id.value, outcome.detail);
    }
  }
  std::vector<core::OutgoingMessage> started;
  if (next > 0) {
    static const std::string due = std::string("SELECT ") + kOutgoingColumns + kWithBody +
                                   "WHERE m.state = 'queued' AND (m.next_attempt_at IS NULL OR "
                                   "m.next_attempt_at <= ?1) ORDER BY m.id LIMIT ?2";
    auto& q = prepare_once(due_, db_, due.c_str());
    ResetAfter done{q};
    auto& mark = prepare_once(
        mark_sending_, db_,
        "UPDATE messages SET state = 'sending', attempts = attempts + 1 WHERE id = ?");
    // Each round either starts or holds every message it read (a held sender's due messages
    // all move past `now`), so the loop ends.
    while (started.size() < next) {
      q.reset();
      q.bind(1, to_db(now));
      q.bind(2, static_cast<std::int64_t>(next - started.size()));
      std::vector<core::OutgoingMessage> candidates;
      while (q.executeStep()) candidates.push_back(outgoing_of(q));
      if (candidates.empty()) break;
      std::set<std::string> held;
      for (auto& m : candidates) {
        if (held.count(m.from_email)) continue;
        if (gate) {
          auto hold = gate(m.from_email);
          if (hold && hold->until > now) {
            hold_sender(m.from_email, *hold, now);
            held.insert(m.from_email);
            continue;
          }
        }
        mark.reset();
        mark.bind(1, m.id.value);
        mark.exec();
        started.push_back(std::move(m));
      }
    }
  }
  txn.commit();
  return started;
}

// A throttled sender: its due queued messages wait, visibly, until the hold ends. The event is
// written the first time a message is held, not at every later hold of the same message.
void SqliteMessages::hold_sender(const std::string& from_email, const SendHold& hold,
                                 Timestamp now) {
  constexpr const char* kDue =
      "state = 'queued' AND from_email = ?1 AND (next_attempt_at IS NULL OR next_attempt_at <= ?2)";
  SQLite::Statement newly(db_, std::string("SELECT id, enrollment_id, step_run_id FROM messages "
                                           "WHERE ") +
                                   kDue + " AND detail NOT LIKE 'throttled:%' ORDER BY id");
  newly.bind(1, from_email);
  newly.bind(2, to_db(now));
  std::vector<std::array<std::int64_t, 3>> first_held;
  while (newly.executeStep())
    first_held.push_back({newly.getColumn(0).getInt64(), newly.getColumn(1).getInt64(),
                          newly.getColumn(2).getInt64()});
  SQLite::Statement update(
      db_, std::string("UPDATE messages SET next_attempt_at = ?3, detail = ?4 WHERE ") + kDue);
  update.bind(1, from_email);
  update.bind(2, to_db(now));
  update.bind(3, to_db(hold.until));
  update.bind(4, hold.detail);
  update.exec();
  for (const auto& [id, enrollment, step] : first_held)
    append_event(db_, now, "throttled", enrollment, 0, step, id, hold.detail);
}

std::vector<Timestamp> SqliteMessages::sent_since(const std::string& from_email, Timestamp since) {
  SQLite::Statement q(db_,
                      // An `unknown` send may have left when it was attempted: it counts.
                      "SELECT at FROM (SELECT CASE state WHEN 'sent' THEN sent_at "
                      "ELSE attempted_at END AS at FROM messages WHERE from_email = ?1 "
                      "AND (state = 'sent' OR state = 'unknown')) WHERE at > ?2 ORDER BY at");
  q.bind(1, from_email);
  q.bind(2, to_db(since));
  std::vector<Timestamp> out;
  while (q.executeStep()) out.push_back(timestamp_of(q.getColumn(0).getInt64()));
  return out;
}

std::size_t SqliteMessages::recover_in_flight(Timestamp now) {
  SQLite::Transaction txn(db_, SQLite::TransactionBehavior::IMMEDIATE);
  SQLite::Statement q(
      db_,
      "UPDATE messages SET state = 'unknown', attempted_at = ?1, detail = 'interrupted after the "
      "send started; not resent' WHERE state = 'sending' RETURNING id, enrollment_id, "
      "step_run_id");
  q.bind(1, to_db(now));
  std::vector<std::array<std::int64_t, 3>> recovered;
  while (q.executeStep())
    recovered.push_back(
        {q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), q.getColumn(2).getInt64()});
  for (const auto& [id, enrollment, step] : recovered)
    append_event(db_, now, "unknown", enrollment, 0, step, id, "interrupted mid-send; not resent");
  txn.commit();
  return recovered.size();
}

}  // namespace touchpoint::store::sqlite

namespace touchpoint::store {

const char* to_string(DeliveryState state) noexcept {
  switch (state) {
    case DeliveryState::queued:
      return "queued";
    case DeliveryState::sending:
      return "sending";
    case DeliveryState::sent:
      return "sent";
    case DeliveryState::failed:
      return "failed";
    case DeliveryState::unknown:
      return "unknown";
  }
  return "?";
}

}  // namespace touchpoint::store
