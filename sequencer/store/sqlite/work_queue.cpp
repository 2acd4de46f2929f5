#include "repositories.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

namespace touchpoint::store::sqlite {
namespace {

// A prospect as the claim reads it, from column `c` of `row` on (kProspectColumns).
constexpr const char* kProspectColumns =
    "p.id, p.email, p.first_name, p.last_name, p.company, p.title, p.phone, p.timezone, "
    "COALESCE(pu.email, ''), p.salesforce_id, p.custom";

core::Prospect read_prospect(SQLite::Statement& row) {
  core::Prospect p;
  int c = 0;
  p.id = core::ProspectId{row.getColumn(c++).getInt64()};
  p.email = row.getColumn(c++).getString();
  p.first_name = row.getColumn(c++).getString();
  p.last_name = row.getColumn(c++).getString();
  p.company = row.getColumn(c++).getString();
  p.title = row.getColumn(c++).getString();
  p.phone = row.getColumn(c++).getString();
  p.timezone = row.getColumn(c++).getString();
  p.owner_email = row.getColumn(c++).getString();
  p.salesforce_id = row.getColumn(c++).getString();
  const char* custom = row.getColumn(c).getText();
  if (std::string_view(custom) == "{}") return p;  // no custom columns: nothing to parse
  const auto fields = nlohmann::json::parse(custom);
  for (const auto& [key, value] : fields.items()) p.custom[key] = value.get<std::string>();
  return p;
}

class SqliteWorkBatch final : public WorkBatch {
 public:
  SqliteWorkBatch(SQLite::Database& db, Timestamp now, std::size_t limit)
      : db_(db),
        now_(now),
        txn_(db, SQLite::TransactionBehavior::IMMEDIATE),
        // Narrow: the owner stays the enrollment's until the task is reassigned, and the
        // title, note and due date are made when the task is read (SqliteTasks), so none is
        // written here and the row hardly grows. Writing owner_id would also make every
        // claim check a foreign key, which needs a statement journal.
        open_task_(db,
                   "UPDATE step_runs SET state = 'open', type = ?, subject = NULLIF(?, ''), "
                   "body = NULLIF(?, ''), opened_at = ? WHERE id = ? AND state = 'scheduled'"),
        insert_message_(
            db,
            "INSERT INTO messages (step_run_id, enrollment_id, message_id, in_reply_to, "
            "refs, from_name, from_email, to_name, to_email, subject, html, "
            "unsubscribe_url, unsubscribe_mailto, state, due_at, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)"),
        mark_queued_(db,
                     "UPDATE step_runs SET state = 'queued' WHERE id = ? AND state = 'scheduled'"),
        exclude_(db, "UPDATE step_runs SET state = 'excluded', cause = ? WHERE id = ?"),
        events_(db),
        // The nearest earlier email that went out: an automatic one has a message; a manual
        // one is a completed task of type email, whose sent message is known once the rep
        // recorded it. A skipped manual email was never sent, so it is not replied to.
        thread_parent_(
            db,
            "SELECT COALESCE(m.message_id, r.sent_message_id, ''), COALESCE(m.refs, ''), "
            "COALESCE(m.subject, r.subject, ''), COALESCE(m.html, r.body, ''), "
            "COALESCE(m.sent_at, r.closed_at, m.due_at, r.due_at), "
            "COALESCE(m.from_name, u.name, ''), COALESCE(m.from_email, u.email, '') "
            "FROM step_runs r JOIN enrollments e ON e.id = r.enrollment_id "
            "LEFT JOIN messages m ON m.step_run_id = r.id "
            "LEFT JOIN users u ON u.id = COALESCE(r.owner_id, e.owner_id) "
            "WHERE r.enrollment_id = ? AND r.position < ? "
            "AND (m.id IS NOT NULL OR (r.type = 'email' AND r.state = 'completed')) "
            "ORDER BY r.position DESC LIMIT 1") {
    // Pauses that have run out end first, so their steps are claimable below.
    SQLite::Statement resume(
        db,
        "UPDATE enrollments SET state = 'active', paused_until = NULL, updated_at = ?1 "
        "WHERE state = 'paused' AND paused_until <= ?1");
    resume.bind(1, to_db(now));
    resume.exec();

    SQLite::Statement due(
        db,
        "SELECT r.id, r.enrollment_id, r.position, r.due_at, e.version_id, e.prospect_id, "
        "COALESCE(e.owner_id, 0), e.zone "
        "FROM step_runs r JOIN enrollments e ON e.id = r.enrollment_id "
        "WHERE r.state = 'scheduled' AND r.due_at <= ?1 AND e.state = 'active' "
        // Rule 8: a step waits while an earlier task of its enrollment is open.
        "AND NOT EXISTS (SELECT 1 FROM step_runs t WHERE t.enrollment_id = r.enrollment_id "
        "AND t.position < r.position AND t.state = 'open') "
        "ORDER BY r.due_at, r.id");
    due.bind(1, to_db(now));
    // One step per enrollment per batch: a task opened by the first may hold back the next.
    // The index walk stops as soon as the batch is full.
    std::unordered_set<std::int64_t> seen;
    // How many steps each version has, to know a last step: read once per version.
    std::unordered_map<std::int64_t, int> steps_of;
    SQLite::Statement version_steps(db, "SELECT steps FROM sequence_versions WHERE id = ?");
    auto last_position = [&](std::int64_t version) {
      auto it = steps_of.find(version);
      if (it == steps_of.end()) {
        version_steps.reset();
        version_steps.bind(1, version);
        it = steps_of
                 .emplace(version,
                          version_steps.executeStep() ? version_steps.getColumn(0).getInt() : 0)
                 .first;
      }
      return it->second;
    };
    steps_.reserve(std::min<std::size_t>(limit, 4096));
    while (steps_.size() < limit && due.executeStep()) {
      const std::int64_t enrollment = due.getColumn(1).getInt64();
      if (!seen.insert(enrollment).second) continue;
      DueStep& s = steps_.emplace_back();
      s.id = core::StepRunId{due.getColumn(0).getInt64()};
      s.enrollment = core::EnrollmentId{enrollment};
      s.position = due.getColumn(2).getInt();
      s.due_at = timestamp_of(due.getColumn(3).getInt64());
      s.version = core::SequenceVersionId{due.getColumn(4).getInt64()};
      s.prospect = core::ProspectId{due.getColumn(5).getInt64()};
      s.owner = core::UserId{due.getColumn(6).getInt64()};
      s.zone = due.getColumn(7).getString();
      s.last = s.position == last_position(s.version.value);
    }
  }

  const std::vector<DueStep>& steps() const override { return steps_; }

  const core::Prospect& prospect(const DueStep& step) override {
    if (!prospects_read_) {
      prospects_read_ = true;
      // One query for the batch: its ids as a JSON array, each one a lookup by rowid.
      std::string ids = "[";
      for (const auto& s : steps_) {
        if (ids.size() > 1) ids += ',';
        ids += std::to_string(s.prospect.value);
      }
      ids += ']';
      SQLite::Statement q(db_, std::string("SELECT ") + kProspectColumns +
                                   " FROM prospects p LEFT JOIN users pu ON pu.id = p.owner_id "
                                   "WHERE p.id IN (SELECT value FROM json_each(?))");
      q.bind(1, ids);
      prospects_.reserve(steps_.size());
      while (q.executeStep()) {
        auto p = read_prospect(q);
        prospects_.emplace(p.id.value, std::move(p));
      }
    }
    auto it = prospects_.find(step.prospect.value);
    if (it == prospects_.end())
      throw std::runtime_error("prospect " + std::to_string(step.prospect.value) + " is missing");
    return it->second;
  }

  void open_task(const DueStep& step, const NewTask& task) override {
    auto& q = open_task_;
    q.reset();
    q.bindNoCopy(1, core::to_string(task.type));
    q.bindNoCopy(2, task.subject);
    q.bindNoCopy(3, task.body);
    q.bind(4, to_db(now_));
    q.bind(5, step.id.value);
    q.exec();
    // A task on the last step finishes the enrollment when it closes, not now.
  }

  core::MessageId queue_message(const DueStep& step, const core::OutgoingMessage& m) override {
    auto& q = insert_message_;
    q.reset();
    q.bind(1, step.id.value);
    q.bind(2, step.enrollment.value);
    q.bindNoCopy(3, m.message_id);
    q.bindNoCopy(4, m.in_reply_to);
    q.bind(5, join_references(m.references));
    q.bindNoCopy(6, m.from_name);
    q.bindNoCopy(7, m.from_email);
    q.bindNoCopy(8, m.to_name);
    q.bindNoCopy(9, m.to_email);
    q.bindNoCopy(10, m.subject);
    q.bindNoCopy(11, m.html);
    q.bindNoCopy(12, m.unsubscribe_url);
    q.bindNoCopy(13, m.unsubscribe_mailto);
    q.bind(14, to_db(step.due_at));
    q.bind(15, to_db(now_));
    q.exec();
    core::MessageId id{db_.getLastInsertRowid()};
    mark_queued_.reset();
    mark_queued_.bind(1, step.id.value);
    mark_queued_.exec();
    if (step.last) finish_if_done(db_, step.enrollment.value, now_);
    return id;
  }

  void exclude(const DueStep& step, const std::string& cause) override {
    exclude_.reset();
    exclude_.bind(1, cause);
    exclude_.bind(2, step.id.value);
    exclude_.exec();
    events_.append(now_, "excluded", step.enrollment.value, step.prospect.value, step.id.value, 0,
                   cause);
    if (step.last) finish_if_done(db_, step.enrollment.value, now_);
  }

  std::optional<ThreadParent> thread_parent(core::EnrollmentId enrollment, int position) override {
    auto& q = thread_parent_;
    q.reset();
    q.bind(1, enrollment.value);
    q.bind(2, position);
    if (!q.executeStep()) return std::nullopt;
    ThreadParent p;
    p.message_id = q.getColumn(0).getString();
    p.references = split_references(q.getColumn(1).getString());
    p.subject = q.getColumn(2).getString();
    p.html = q.getColumn(3).getString();
    p.date = timestamp_of(q.getColumn(4).getInt64());
    p.from_name = q.getColumn(5).getString();
    p.from_email = q.getColumn(6).getString();
    q.reset();  // ends the read at once
    return p;
  }

  void commit() override { txn_.commit(); }

 private:
  SQLite::Database& db_;
  Timestamp now_;
  SQLite::Transaction txn_;
  SQLite::Statement open_task_;
  SQLite::Statement insert_message_;
  SQLite::Statement mark_queued_;
  SQLite::Statement exclude_;
  EventWriter events_;
  SQLite::Statement thread_parent_;
  std::vector<DueStep> steps_;
  bool prospects_read_ = false;
  std::unordered_map<std::int64_t, core::Prospect> prospects_;
};

}  // namespace

std::unique_ptr<WorkBatch> SqliteWorkQueue::claim(Timestamp now, std::size_t limit) {
  return std::make_unique<SqliteWorkBatch>(db_, now, limit);
}

}  // namespace touchpoint::store::sqlite
