#include "repositories.hpp"

#include <unordered_set>

namespace touchpoint::store::sqlite {
namespace {

class SqliteWorkBatch final : public WorkBatch {
 public:
  SqliteWorkBatch(SQLite::Database& db, Timestamp now, std::size_t limit)
      : db_(db),
        now_(now),
        txn_(db, SQLite::TransactionBehavior::IMMEDIATE),
        open_task_(db,
                   "UPDATE step_runs SET state = 'open', type = ?, owner_id = NULLIF(?, 0), "
                   "due_date = ?, title = ?, note = ?, subject = ?, body = ?, opened_at = ? "
                   "WHERE id = ? AND state = 'scheduled'"),
        insert_message_(
            db,
            "INSERT INTO messages (step_run_id, enrollment_id, message_id, in_reply_to, "
            "refs, from_name, from_email, to_name, to_email, subject, html, "
            "unsubscribe_url, unsubscribe_mailto, state, due_at, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)"),
        mark_queued_(db,
                     "UPDATE step_runs SET state = 'queued' WHERE id = ? AND state = 'scheduled'") {
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
        "COALESCE(e.owner_id, 0), e.zone, v.steps "
        "FROM step_runs r JOIN enrollments e ON e.id = r.enrollment_id "
        "JOIN sequence_versions v ON v.id = e.version_id "
        "WHERE r.state = 'scheduled' AND r.due_at <= ?1 AND e.state = 'active' "
        // Rule 8: a step waits while an earlier task of its enrollment is open.
        "AND NOT EXISTS (SELECT 1 FROM step_runs t WHERE t.enrollment_id = r.enrollment_id "
        "AND t.position < r.position AND t.state = 'open') "
        "ORDER BY r.due_at, r.id");
    due.bind(1, to_db(now));
    // One step per enrollment per batch: a task opened by the first may hold back the next.
    // The index walk stops as soon as the batch is full.
    std::unordered_set<std::int64_t> seen;
    while (steps_.size() < limit && due.executeStep()) {
      DueStep s;
      s.id = core::StepRunId{due.getColumn(0).getInt64()};
      s.enrollment = core::EnrollmentId{due.getColumn(1).getInt64()};
      if (!seen.insert(s.enrollment.value).second) continue;
      s.position = due.getColumn(2).getInt();
      s.due_at = timestamp_of(due.getColumn(3).getInt64());
      s.version = core::SequenceVersionId{due.getColumn(4).getInt64()};
      s.prospect = core::ProspectId{due.getColumn(5).getInt64()};
      s.owner = core::UserId{due.getColumn(6).getInt64()};
      s.zone = due.getColumn(7).getString();
      s.last = s.position == due.getColumn(8).getInt();
      steps_.push_back(std::move(s));
    }
  }

  const std::vector<DueStep>& steps() const override { return steps_; }

  void open_task(const DueStep& step, const NewTask& task) override {
    open_task_.reset();
    open_task_.bind(1, core::to_string(task.type));
    open_task_.bind(2, step.owner.value);
    open_task_.bind(3, core::format_date(date::year_month_day{task.due_date}));
    open_task_.bind(4, task.title);
    open_task_.bind(5, task.note);
    open_task_.bind(6, task.subject);
    open_task_.bind(7, task.body);
    open_task_.bind(8, to_db(now_));
    open_task_.bind(9, step.id.value);
    open_task_.exec();
    // A task on the last step finishes the enrollment when it closes, not now.
  }

  core::MessageId queue_message(const DueStep& step, const core::OutgoingMessage& m) override {
    auto& q = insert_message_;
    q.reset();
    q.bind(1, step.id.value);
    q.bind(2, step.enrollment.value);
    q.bind(3, m.message_id);
    q.bind(4, m.in_reply_to);
    q.bind(5, join_references(m.references));
    q.bind(6, m.from_name);
    q.bind(7, m.from_email);
    q.bind(8, m.to_name);
    q.bind(9, m.to_email);
    q.bind(10, m.subject);
    q.bind(11, m.html);
    q.bind(12, m.unsubscribe_url);
    q.bind(13, m.unsubscribe_mailto);
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
    SQLite::Statement u(db_, "UPDATE step_runs SET state = 'excluded', cause = ? WHERE id = ?");
    u.bind(1, cause);
    u.bind(2, step.id.value);
    u.exec();
    append_event(db_, now_, "excluded", step.enrollment.value, step.prospect.value, step.id.value,
                 0, cause);
    if (step.last) finish_if_done(db_, step.enrollment.value, now_);
  }

  std::optional<ThreadParent> thread_parent(core::EnrollmentId enrollment, int position) override {
    // The nearest earlier email step: an automatic one has a message; a manual one is a task
    // of type email, whose sent message is known once the rep recorded it.
    SQLite::Statement q(
        db_,
        "SELECT COALESCE(m.message_id, r.sent_message_id, ''), COALESCE(m.refs, ''), "
        "COALESCE(m.subject, r.subject, ''), COALESCE(m.html, r.body, ''), "
        "COALESCE(m.sent_at, r.closed_at, m.due_at, r.due_at), COALESCE(m.from_name, u.name, ''), "
        "COALESCE(m.from_email, u.email, '') "
        "FROM step_runs r LEFT JOIN messages m ON m.step_run_id = r.id "
        "LEFT JOIN users u ON u.id = r.owner_id "
        "WHERE r.enrollment_id = ? AND r.position < ? AND (m.id IS NOT NULL OR r.type = 'email') "
        "ORDER BY r.position DESC LIMIT 1");
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
  std::vector<DueStep> steps_;
};

}  // namespace

std::unique_ptr<WorkBatch> SqliteWorkQueue::claim(Timestamp now, std::size_t limit) {
  return std::make_unique<SqliteWorkBatch>(db_, now, limit);
}

}  // namespace touchpoint::store::sqlite
