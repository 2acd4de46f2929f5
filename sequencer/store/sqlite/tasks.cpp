#include "repositories.hpp"

#include <map>

#include <nlohmann/json.hpp>

#include <touchpoint/core/personalize.hpp>
#include <touchpoint/core/task.hpp>

namespace touchpoint::store::sqlite {
namespace {

// Tasks are the step_runs that opened as tasks (see the migration). A task's owner is its
// enrollment's until it is reassigned (r.owner_id). A claim writes only what the step decides
// (store::NewTask): a task's title, note and due date are made here when not stored, from its
// step, its prospect and its owner.
constexpr const char* kOwner = "COALESCE(r.owner_id, e.owner_id)";
constexpr const char* kSelect =
    "SELECT r.id, r.type, r.state, r.enrollment_id, e.prospect_id, p.email, "
    "p.first_name, p.last_name, COALESCE(r.owner_id, e.owner_id, 0), COALESCE(u.email, ''), "
    "s.name, r.position, r.title, r.note, COALESCE(r.subject, ''), "
    "COALESCE(r.body, ''), r.due_date, r.due_at, r.snoozed_until, COALESCE(r.outcome, ''), "
    "COALESCE(r.notes, ''), COALESCE(r.sent_message_id, ''), r.closed_at, "
    // What the title, note and due date are made from (kMadeFrom on).
    "e.version_id, e.zone, COALESCE(u.name, ''), p.company, p.title, p.phone, p.timezone, "
    "COALESCE(pu.email, ''), p.salesforce_id, p.custom "
    "FROM step_runs r JOIN enrollments e ON e.id = r.enrollment_id "
    "JOIN prospects p ON p.id = e.prospect_id JOIN sequences s ON s.id = e.sequence_id "
    "LEFT JOIN users u ON u.id = COALESCE(r.owner_id, e.owner_id) "
    "LEFT JOIN users pu ON pu.id = p.owner_id";
constexpr int kMadeFrom = 23;

// Makes the notes of tasks stored without one: the step's note personalized with the
// prospect and the task's owner; the raw note when a field it names is empty, since a note is
// help for the rep and never sent. Reads each sequence version and compiles each step's note
// once per read of tasks.
class NoteMaker {
 public:
  explicit NoteMaker(SQLite::Database& db) : sequences_(db) {}

  std::string note(core::SequenceVersionId version, int position, const core::Prospect& prospect,
                   const core::User& owner) {
    auto key = std::pair{version.value, position};
    auto it = notes_.find(key);
    if (it == notes_.end()) {
      Note n;
      auto sequence = sequences_.load_version(version);
      if (sequence && position >= 1 && static_cast<std::size_t>(position) <= sequence->steps.size())
        n.text = sequence->steps[static_cast<std::size_t>(position - 1)].note;
      if (auto compiled = core::CompiledTemplate::compile(n.text, core::Escape::none))
        n.compiled.emplace(std::move(*compiled));
      it = notes_.emplace(key, std::move(n)).first;
    }
    auto& n = it->second;
    if (!n.compiled) return n.text;
    return n.compiled->render(core::TemplateValues(prospect, owner)).value_or(n.text);
  }

 private:
  struct Note {
    std::string text;
    std::optional<core::CompiledTemplate> compiled;
  };
  SqliteSequences sequences_;
  std::map<std::pair<std::int64_t, int>, Note> notes_;
};

core::Task task_of(SQLite::Statement& row, NoteMaker& notes) {
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
  t.title =
      row.getColumn(12).isNull()
          ? core::task_title(t.type, t.prospect_name.empty() ? t.prospect_email : t.prospect_name)
          : row.getColumn(12).getString();
  t.subject = row.getColumn(14).getString();
  t.body = row.getColumn(15).getString();
  t.due_at = timestamp_of(row.getColumn(17).getInt64());
  if (row.getColumn(16).isNull()) {
    // The due date is the due instant's date in the enrollment's zone, as the schedule has it.
    const auto* zone = core::find_zone(row.getColumn(kMadeFrom + 1).getString());
    if (!zone) zone = core::find_zone("UTC");
    t.due_date = date::floor<date::days>(core::to_local(t.due_at, *zone));
  } else {
    t.due_date = date::local_days{*core::parse_date(row.getColumn(16).getString())};
  }
  t.snoozed_until = optional_timestamp(row.getColumn(18));
  t.outcome = row.getColumn(19).getString();
  t.notes = row.getColumn(20).getString();
  t.sent_message_id = row.getColumn(21).getString();
  t.closed_at = optional_timestamp(row.getColumn(22));
  if (!row.getColumn(13).isNull()) {
    t.note = row.getColumn(13).getString();
  } else {
    int c = kMadeFrom;
    const core::SequenceVersionId version{row.getColumn(c++).getInt64()};
    ++c;  // the zone, above
    core::User owner;
    owner.id = t.owner;
    owner.email = t.owner_email;
    owner.name = row.getColumn(c++).getString();
    core::Prospect p;
    p.id = t.prospect;
    p.email = t.prospect_email;
    p.first_name = row.getColumn(6).getString();
    p.last_name = row.getColumn(7).getString();
    p.company = row.getColumn(c++).getString();
    p.title = row.getColumn(c++).getString();
    p.phone = row.getColumn(c++).getString();
    p.timezone = row.getColumn(c++).getString();
    p.owner_email = row.getColumn(c++).getString();
    p.salesforce_id = row.getColumn(c++).getString();
    const auto custom = nlohmann::json::parse(row.getColumn(c).getString());
    for (const auto& [key, value] : custom.items()) p.custom[key] = value.get<std::string>();
    t.note = notes.note(version, t.position, p, owner);
  }
  return t;
}

std::string task_name(core::TaskId id) {
  return "task " + std::to_string(id.value);
}

}  // namespace

std::vector<core::Task> SqliteTasks::list(const TaskFilter& filter) {
  std::string sql = std::string(kSelect) +
                    " WHERE r.type IS NOT NULL AND r.state IN ('open', 'completed', 'skipped') "
                    "AND (?1 IS NULL OR " +
                    std::string(kOwner) +
                    " = ?1) AND (?2 IS NULL OR r.type = ?2) "
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
  NoteMaker notes(db_);
  while (q.executeStep()) out.push_back(task_of(q, notes));
  return out;
}

std::optional<core::Task> SqliteTasks::get(core::TaskId id) {
  SQLite::Statement q(db_, std::string(kSelect) +
                               " WHERE r.id = ? AND r.type IS NOT NULL "
                               "AND r.state IN ('open', 'completed', 'skipped')");
  q.bind(1, id.value);
  if (!q.executeStep()) return std::nullopt;
  NoteMaker notes(db_);
  return task_of(q, notes);
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
