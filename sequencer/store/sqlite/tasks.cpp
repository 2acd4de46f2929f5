#include "repositories.hpp"

#include <map>
#include <unordered_map>

#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include <touchpoint/core/personalize.hpp>
#include <touchpoint/core/task.hpp>

namespace touchpoint::store::sqlite {

// Makes the notes of tasks stored without one: the step's note personalized with the
// prospect and the task's owner; the raw note when a field it names is empty, since a note is
// help for the rep and never sent. Reads each sequence version and compiles each step's note
// once per connection: a stored version never changes.
class TaskNotes {
 public:
  explicit TaskNotes(SQLite::Database& db) : sequences_(db) {}

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

namespace {

// Tasks are the step_runs that opened as tasks (see the migration). A task's owner is its
// enrollment's until it is reassigned (r.owner_id). A claim writes only what the step decides
// (store::NewTask): a task's title, note and due date are made here when not stored, from its
// step, its prospect and its owner.
constexpr const char* kOwner = "COALESCE(r.owner_id, e.owner_id)";
const std::string kSelect =
    std::string("SELECT r.id, r.type, r.state, r.enrollment_id, e.prospect_id, p.email, "
    "p.first_name, p.last_name, COALESCE(r.owner_id, e.owner_id, 0), COALESCE(u.email, ''), "
    "s.name, r.position, r.title, r.note, COALESCE(r.subject, ''), "
    "COALESCE(r.body, ''), r.due_date, r.due_at, r.snoozed_until, COALESCE(r.outcome, ''), "
    "COALESCE(r.notes, ''), COALESCE(r.sent_message_id, ''), r.closed_at, "
    // What the title, note and due date are made from (kMadeFrom on).
    "e.version_id, e.zone, COALESCE(u.name, ''), ") +
    kProspectColumns + ", " +
    // What the queue shows beside the task (kListed on).
    "s.id, u.id IS NOT NULL, COALESCE(u.timezone, '') "
    "FROM step_runs r JOIN enrollments e ON e.id = r.enrollment_id "
    "JOIN prospects p ON p.id = e.prospect_id JOIN sequences s ON s.id = e.sequence_id "
    "LEFT JOIN users u ON u.id = COALESCE(r.owner_id, e.owner_id) "
    "LEFT JOIN users pu ON pu.id = p.owner_id";
constexpr int kMadeFrom = 23;
constexpr int kProspectFrom = kMadeFrom + 3;  // kProspectColumns, 11 of them
constexpr int kListed = kProspectFrom + 11;

core::Task task_of(SQLite::Statement& row, TaskNotes& notes) {
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
    const core::SequenceVersionId version{row.getColumn(kMadeFrom).getInt64()};
    core::User owner;
    owner.id = t.owner;
    owner.email = t.owner_email;
    owner.name = row.getColumn(kMadeFrom + 2).getString();
    const auto p = read_prospect(row, kProspectFrom);
    t.note = notes.note(version, t.position, p, owner);
  }
  return t;
}

std::string task_name(core::TaskId id) {
  return "task " + std::to_string(id.value);
}

// --- the view in SQL -------------------------------------------------------------------------
// Where an open task stands (core::classify) compares its due date, a date in its
// enrollment's zone, with today in its owner's zone. Two SQL functions give both as day
// numbers (days since 1970-01-01), so the database filters, counts and cuts the page:
//   tp_due_day(due_date, due_at, zone): the stored due date, else due_at's date in `zone`;
//   tp_today(zone, now): `now`'s date in `zone`.
// An unknown or empty zone is UTC, as the service has it for a rep without one.
struct ZoneCache {
  const date::time_zone& zone(const unsigned char* name, int bytes) {
    std::string key(reinterpret_cast<const char*>(name ? name : reinterpret_cast<const unsigned char*>("")),
                    static_cast<std::size_t>(bytes));
    auto it = zones.find(key);
    if (it == zones.end()) {
      const auto* z = key.empty() ? nullptr : core::find_zone(key);
      it = zones.emplace(std::move(key), z ? z : utc).first;
    }
    return *it->second;
  }
  const date::time_zone* utc = core::find_zone("UTC");
  std::unordered_map<std::string, const date::time_zone*> zones;
};

std::int64_t local_day(std::int64_t seconds, const date::time_zone& zone) {
  auto local = core::to_local(timestamp_of(seconds), zone);
  return date::floor<date::days>(local).time_since_epoch().count();
}

void sql_due_day(sqlite3_context* ctx, int, sqlite3_value** args) {
  auto& cache = *static_cast<ZoneCache*>(sqlite3_user_data(ctx));
  if (sqlite3_value_type(args[0]) != SQLITE_NULL) {
    auto text = std::string_view(reinterpret_cast<const char*>(sqlite3_value_text(args[0])),
                                 static_cast<std::size_t>(sqlite3_value_bytes(args[0])));
    if (auto d = core::parse_date(text))
      return sqlite3_result_int64(ctx, date::sys_days{*d}.time_since_epoch().count());
    return sqlite3_result_null(ctx);
  }
  const auto& zone = cache.zone(sqlite3_value_text(args[2]), sqlite3_value_bytes(args[2]));
  sqlite3_result_int64(ctx, local_day(sqlite3_value_int64(args[1]), zone));
}

void sql_today(sqlite3_context* ctx, int, sqlite3_value** args) {
  auto& cache = *static_cast<ZoneCache*>(sqlite3_user_data(ctx));
  const auto& zone = cache.zone(sqlite3_value_text(args[0]), sqlite3_value_bytes(args[0]));
  sqlite3_result_int64(ctx, local_day(sqlite3_value_int64(args[1]), zone));
}

// The WHERE clause of a task query, with named parameters for what the filter sets.
std::string where_of(const TaskFilter& f, const std::optional<core::TaskView>& view) {
  std::string w = " WHERE r.type IS NOT NULL AND r.state IN ('open', 'completed', 'skipped')";
  if (f.owner) w += " AND " + std::string(kOwner) + " = :owner";
  if (f.type) w += " AND r.type = :type";
  // The state as a literal, not a parameter: a bound value that decides whether a partial
  // index applies (step_runs_open_tasks) makes SQLite prepare the statement again each time.
  if (f.state) w += std::string(" AND r.state = '") + core::to_string(*f.state) + "'";
  if (f.enrollment) w += " AND r.enrollment_id = :enrollment";
  if (view) {
    // A task snoozed past now is upcoming whatever its date.
    const std::string snoozed = "(r.snoozed_until IS NOT NULL AND r.snoozed_until > :now)";
    const std::string due = "tp_due_day(r.due_date, r.due_at, e.zone)";
    const std::string today = "tp_today(u.timezone, :now)";
    w += " AND r.state = 'open' AND ";
    switch (*view) {
      case core::TaskView::overdue:
        w += "NOT " + snoozed + " AND " + due + " < " + today;
        break;
      case core::TaskView::today:
        w += "NOT " + snoozed + " AND " + due + " = " + today;
        break;
      case core::TaskView::upcoming:
        w += "(" + snoozed + " OR " + due + " > " + today + ")";
        break;
    }
  }
  return w;
}

void bind_filter(SQLite::Statement& q, const TaskFilter& f, const std::optional<core::TaskView>& view,
                 Timestamp now) {
  if (f.owner) q.bind(":owner", f.owner->value);
  if (f.type) q.bind(":type", core::to_string(*f.type));
  if (f.enrollment) q.bind(":enrollment", f.enrollment->value);
  if (view) q.bind(":now", to_db(now));
}

}  // namespace

SqliteTasks::SqliteTasks(SQLite::Database& db) : db_(db), notes_(std::make_unique<TaskNotes>(db)) {}
SqliteTasks::~SqliteTasks() = default;

SQLite::Statement& SqliteTasks::prepared(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end())
    it = statements_.emplace(sql, std::make_unique<SQLite::Statement>(db_, sql)).first;
  auto& q = *it->second;
  q.tryReset();
  q.clearBindings();
  return q;
}

std::vector<core::Task> SqliteTasks::list(const TaskFilter& filter) {
  auto& q = prepared(std::string(kSelect) + where_of(filter, std::nullopt) +
                     " ORDER BY r.due_at, r.id LIMIT :limit OFFSET :offset");
  ResetAfter reset{q};
  bind_filter(q, filter, std::nullopt, {});
  q.bind(":limit", filter.limit ? static_cast<std::int64_t>(filter.limit) : std::int64_t{-1});
  q.bind(":offset", static_cast<std::int64_t>(filter.offset));
  std::vector<core::Task> out;
  while (q.executeStep()) out.push_back(task_of(q, *notes_));
  return out;
}

std::optional<core::Task> SqliteTasks::get(core::TaskId id) {
  auto& q = prepared(std::string(kSelect) +
                     " WHERE r.id = ? AND r.type IS NOT NULL "
                     "AND r.state IN ('open', 'completed', 'skipped')");
  ResetAfter reset{q};
  q.bind(1, id.value);
  if (!q.executeStep()) return std::nullopt;
  return task_of(q, *notes_);
}

TaskPage SqliteTasks::page(const TaskPageQuery& query) {
  if (query.view && !functions_) {
    // SQLite owns each zone cache from here: it deletes it with the connection.
    auto forget = [](void* p) { delete static_cast<ZoneCache*>(p); };
    db_.createFunction("tp_due_day", 3, true, new ZoneCache, sql_due_day, nullptr, nullptr,
                       forget);
    db_.createFunction("tp_today", 2, true, new ZoneCache, sql_today, nullptr, nullptr, forget);
    functions_ = true;
  }
  const auto& f = query.filter;
  auto where = where_of(f, query.view);
  TaskPage out;
  {
    auto& q = prepared(std::string(kSelect) + where +
                       " ORDER BY r.due_at, r.id LIMIT :limit OFFSET :offset");
    ResetAfter reset{q};
    bind_filter(q, f, query.view, query.now);
    q.bind(":limit", f.limit ? static_cast<std::int64_t>(f.limit) : std::int64_t{-1});
    q.bind(":offset", static_cast<std::int64_t>(f.offset));
    while (q.executeStep()) {
      ListedTask t;
      t.task = task_of(q, *notes_);
      t.sequence = core::SequenceId{q.getColumn(kListed).getInt64()};
      t.owner_known = q.getColumn(kListed + 1).getInt() != 0;
      t.owner_name = q.getColumn(kMadeFrom + 2).getString();
      t.owner_timezone = q.getColumn(kListed + 2).getString();
      t.prospect_company = q.getColumn(kProspectFrom + 4).getString();
      t.prospect_timezone = q.getColumn(kProspectFrom + 7).getString();
      out.tasks.push_back(std::move(t));
    }
  }
  // A short page that is not past the end says the total itself.
  auto shown = static_cast<std::int64_t>(out.tasks.size());
  if ((f.limit == 0 || out.tasks.size() < f.limit) && (shown > 0 || f.offset == 0)) {
    out.total = static_cast<std::int64_t>(f.offset) + shown;
    return out;
  }
  // Every enrollment has its prospect and sequence (foreign keys): counting needs neither.
  auto& count = prepared(
      std::string("SELECT COUNT(*) FROM step_runs r JOIN enrollments e ON e.id = r.enrollment_id") +
      (query.view ? " LEFT JOIN users u ON u.id = COALESCE(r.owner_id, e.owner_id)" : "") + where);
  ResetAfter reset{count};
  bind_filter(count, f, query.view, query.now);
  count.executeStep();
  out.total = count.getColumn(0).getInt64();
  return out;
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
