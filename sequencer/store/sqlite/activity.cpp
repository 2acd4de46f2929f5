// Read models for the bridge: the live feed, prospect timelines, search, KPIs and gauges.
#include "repositories.hpp"

#include <map>

namespace touchpoint::store::sqlite {
namespace {

// Many events name only their enrollment (sent, exited, ...): the prospect comes through it.
// The step's message (one per step) gives the subject people recognise.
constexpr const char* kSelectEvents =
    "SELECT ev.id, ev.at, ev.type, ev.enrollment_id, COALESCE(ev.prospect_id, e.prospect_id), "
    "ev.detail, COALESCE(ev.step_run_id, 0), COALESCE(ev.message_id, m.id, 0), ev.machine, "
    "COALESCE(p.email, ''), COALESCE(p.first_name, ''), COALESCE(p.last_name, ''), "
    "COALESCE(e.sequence_id, 0), COALESCE(s.name, ''), COALESCE(e.state, ''), "
    "COALESCE(r.position, 0), COALESCE(m.subject, r.subject, '') "
    "FROM events ev "
    "LEFT JOIN enrollments e ON e.id = ev.enrollment_id "
    "LEFT JOIN prospects p ON p.id = COALESCE(ev.prospect_id, e.prospect_id) "
    "LEFT JOIN sequences s ON s.id = e.sequence_id "
    "LEFT JOIN step_runs r ON r.id = ev.step_run_id "
    "LEFT JOIN messages m ON m.step_run_id = ev.step_run_id ";

ActivityEvent activity_of(SQLite::Statement& row) {
  ActivityEvent a;
  a.event.id = row.getColumn(0).getInt64();
  a.event.at = timestamp_of(row.getColumn(1).getInt64());
  a.event.type = row.getColumn(2).getString();
  if (!row.getColumn(3).isNull())
    a.event.enrollment = core::EnrollmentId{row.getColumn(3).getInt64()};
  if (!row.getColumn(4).isNull()) a.event.prospect = core::ProspectId{row.getColumn(4).getInt64()};
  a.event.detail = row.getColumn(5).getString();
  a.step_run = row.getColumn(6).getInt64();
  a.message = row.getColumn(7).getInt64();
  a.machine = row.getColumn(8).getString();
  a.prospect_email = row.getColumn(9).getString();
  a.prospect_first_name = row.getColumn(10).getString();
  a.prospect_last_name = row.getColumn(11).getString();
  a.sequence = row.getColumn(12).getInt64();
  a.sequence_name = row.getColumn(13).getString();
  a.enrollment_state = row.getColumn(14).getString();
  a.position = row.getColumn(15).getInt();
  a.subject = row.getColumn(16).getString();
  return a;
}

std::vector<ActivityEvent> all_of(SQLite::Statement& q) {
  std::vector<ActivityEvent> out;
  while (q.executeStep()) out.push_back(activity_of(q));
  return out;
}

// A LIKE pattern matching `text` anywhere, with LIKE's wildcards in it taken literally.
std::string contains_pattern(const std::string& text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

}  // namespace

std::vector<ActivityEvent> SqliteActivity::events_after(std::int64_t after_id, std::size_t limit) {
  SQLite::Statement q(db_, std::string(kSelectEvents) + "WHERE ev.id > ? ORDER BY ev.id LIMIT ?");
  q.bind(1, after_id);
  q.bind(2, limit ? static_cast<std::int64_t>(limit) : -1);
  return all_of(q);
}

std::vector<ActivityEvent> SqliteActivity::prospect_events(core::ProspectId prospect) {
  SQLite::Statement q(db_,
                      std::string(kSelectEvents) +
                          "WHERE ev.prospect_id = ?1 OR ev.enrollment_id IN "
                          "(SELECT id FROM enrollments WHERE prospect_id = ?1) ORDER BY ev.id");
  q.bind(1, prospect.value);
  return all_of(q);
}

std::int64_t SqliteActivity::last_event_id() {
  return db_.execAndGet("SELECT COALESCE(MAX(id), 0) FROM events").getInt64();
}

ProspectPage SqliteActivity::search_prospects(const std::string& text, std::size_t limit,
                                              std::size_t offset) {
  // Names are matched both ways round: "Åsa Lindström" and "김민준" (family name first).
  constexpr const char* kWhere =
      " FROM prospects WHERE ?1 = '' OR email LIKE ?2 ESCAPE '\\' "
      "OR (first_name || ' ' || last_name) LIKE ?2 ESCAPE '\\' "
      "OR (last_name || first_name) LIKE ?2 ESCAPE '\\' OR company LIKE ?2 ESCAPE '\\'";
  auto pattern = contains_pattern(text);
  ProspectPage page;
  SQLite::Statement count(db_, std::string("SELECT COUNT(*)") + kWhere);
  count.bind(1, text);
  count.bind(2, pattern);
  count.executeStep();
  page.total = count.getColumn(0).getInt64();
  SQLite::Statement q(db_, std::string("SELECT id") + kWhere + " ORDER BY id LIMIT ?3 OFFSET ?4");
  q.bind(1, text);
  q.bind(2, pattern);
  q.bind(3, limit ? static_cast<std::int64_t>(limit) : -1);
  q.bind(4, static_cast<std::int64_t>(offset));
  while (q.executeStep()) page.prospects.emplace_back(q.getColumn(0).getInt64());
  return page;
}

std::vector<StepKpis> SqliteActivity::step_kpis(core::SequenceId sequence) {
  std::map<int, StepKpis> by_position;
  auto at = [&](int position) -> StepKpis& {
    auto& k = by_position[position];
    k.position = position;
    return k;
  };

  SQLite::Statement sent(db_,
                         "SELECT r.position, COUNT(*) FROM messages m "
                         "JOIN step_runs r ON r.id = m.step_run_id "
                         "JOIN enrollments e ON e.id = r.enrollment_id "
                         "WHERE e.sequence_id = ? AND m.state = 'sent' GROUP BY r.position");
  sent.bind(1, sequence.value);
  while (sent.executeStep()) at(sent.getColumn(0).getInt()).sent = sent.getColumn(1).getInt();

  // Each step counts once however many times it was opened or clicked.
  SQLite::Statement hits(
      db_,
      "SELECT r.position, "
      "COUNT(DISTINCT CASE WHEN ev.type = 'open' AND ev.machine = '' THEN ev.step_run_id END), "
      "COUNT(DISTINCT CASE WHEN ev.type = 'click' AND ev.machine = '' THEN ev.step_run_id END), "
      "COUNT(DISTINCT CASE WHEN ev.type = 'open' AND ev.machine <> '' THEN ev.step_run_id END), "
      "COUNT(DISTINCT CASE WHEN ev.type = 'unsubscribe' THEN ev.step_run_id END) "
      "FROM enrollments e JOIN step_runs r ON r.enrollment_id = e.id "
      "JOIN events ev ON ev.step_run_id = r.id "
      "WHERE e.sequence_id = ? AND ev.type IN ('open', 'click', 'unsubscribe') "
      "GROUP BY r.position");
  hits.bind(1, sequence.value);
  while (hits.executeStep()) {
    auto& k = at(hits.getColumn(0).getInt());
    k.opened = hits.getColumn(1).getInt();
    k.clicked = hits.getColumn(2).getInt();
    k.machine_opened = hits.getColumn(3).getInt();
    k.unsubscribed = hits.getColumn(4).getInt();
  }

  // A reply names its enrollment, not a step: credit the last step sent before it.
  SQLite::Statement replies(
      db_,
      "SELECT position, COUNT(DISTINCT enrollment_id) FROM ("
      " SELECT ev.enrollment_id AS enrollment_id,"
      "  (SELECT MAX(r.position) FROM messages m JOIN step_runs r ON r.id = m.step_run_id"
      "   WHERE m.enrollment_id = ev.enrollment_id AND m.state = 'sent' AND m.sent_at <= ev.at)"
      "   AS position"
      " FROM events ev JOIN enrollments e ON e.id = ev.enrollment_id"
      " WHERE e.sequence_id = ? AND ev.type = 'reply') "
      "WHERE position IS NOT NULL GROUP BY position");
  replies.bind(1, sequence.value);
  while (replies.executeStep())
    at(replies.getColumn(0).getInt()).replied = replies.getColumn(1).getInt();

  SQLite::Statement tasks(db_,
                          "SELECT r.position, SUM(r.state = 'open'), SUM(r.state = 'completed'), "
                          "SUM(r.state = 'skipped') FROM enrollments e "
                          "JOIN step_runs r ON r.enrollment_id = e.id "
                          "WHERE e.sequence_id = ? AND r.type IS NOT NULL "
                          "AND r.state IN ('open', 'completed', 'skipped') GROUP BY r.position");
  tasks.bind(1, sequence.value);
  while (tasks.executeStep()) {
    auto& k = at(tasks.getColumn(0).getInt());
    k.tasks_open = tasks.getColumn(1).getInt();
    k.tasks_completed = tasks.getColumn(2).getInt();
    k.tasks_skipped = tasks.getColumn(3).getInt();
  }

  std::vector<StepKpis> out;
  for (auto& [position, k] : by_position) out.push_back(k);
  return out;
}

QueueCounts SqliteActivity::queue_counts() {
  SQLite::Statement q(db_,
                      "SELECT (SELECT COUNT(*) FROM step_runs WHERE state = 'open'), "
                      "(SELECT COUNT(*) FROM messages WHERE state = 'queued'), "
                      "(SELECT COUNT(*) FROM step_runs WHERE state = 'scheduled'), "
                      "(SELECT COUNT(*) FROM messages WHERE state = 'unknown')");
  q.executeStep();
  return QueueCounts{q.getColumn(0).getInt64(), q.getColumn(1).getInt64(),
                     q.getColumn(2).getInt64(), q.getColumn(3).getInt64()};
}

}  // namespace touchpoint::store::sqlite
