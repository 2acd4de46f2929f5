#include "repositories.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

namespace touchpoint::store::sqlite {
namespace {

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
        insert_message_(db,
                        "INSERT INTO messages (step_run_id, enrollment_id, message_id, "
                        "in_reply_to, refs, from_name, from_email, to_name, to_email, subject, "
                        "unsubscribe_url, unsubscribe_mailto, due_at, created_at, state)",
                        "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,'queued')", 14),
        insert_body_(db, "INSERT INTO message_bodies (step_run_id, html)", "(?,?)", 2),
        mark_queued_(db,
                     "UPDATE step_runs SET state = 'queued' WHERE id = ?1 AND state = 'scheduled'"),
        mark_opened_(db,
                     "UPDATE step_runs SET state = 'open', type = ?2, opened_at = ?3 "
                     "WHERE id = ?1 AND state = 'scheduled'"),
        exclude_(db, "UPDATE step_runs SET state = 'excluded', cause = ? WHERE id = ?"),
        events_(db),
        // The nearest earlier email that went out: an automatic one has a message; a manual
        // one is a completed task of type email, whose sent message is known once the rep
        // recorded it. A skipped manual email was never sent, so it is not replied to.
        thread_parent_(
            db,
            "SELECT COALESCE(m.message_id, r.sent_message_id, ''), COALESCE(m.refs, ''), "
            "COALESCE(m.subject, r.subject, ''), COALESCE(b.html, r.body, ''), "
            "COALESCE(m.sent_at, r.closed_at, m.due_at, r.due_at), "
            "COALESCE(m.from_name, u.name, ''), COALESCE(m.from_email, u.email, '') "
            "FROM step_runs r JOIN enrollments e ON e.id = r.enrollment_id "
            "LEFT JOIN messages m ON m.step_run_id = r.id "
            "LEFT JOIN message_bodies b ON b.step_run_id = r.id "
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
    if (task.subject.empty() && task.body.empty()) {
      // A call, task or LinkedIn step: only its state, type and opening time change. Written
      // with the others of its type when the batch commits.
      opened_[static_cast<std::size_t>(task.type)].push_back(step.id.value);
      return;
    }
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

  void queue_message(const DueStep& step, core::OutgoingMessage message) override {
    // Written when the batch commits, with the batch's other messages (write_messages).
    queued_.push_back(
        Queued{step.id.value, step.enrollment.value, step.due_at, std::move(message)});
    if (step.last) finishing_.push_back(step.enrollment.value);
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

  void commit() override {
    write_messages();
    for (const auto& q : queued_) queued_steps_.push_back(q.step);
    mark(queued_steps_, mark_queued_);
    for (std::size_t type = 0; type < opened_.size(); ++type) {
      if (opened_[type].empty()) continue;
      mark_opened_.reset();
      mark_opened_.bind(2, core::to_string(static_cast<core::StepType>(type)));
      mark_opened_.bind(3, to_db(now_));
      mark(opened_[type], mark_opened_);
    }
    // Only now are this batch's steps out of 'scheduled'.
    for (auto enrollment : finishing_) finish_if_done(db_, enrollment, now_);
    txn_.commit();
  }

 private:
  // What commit() writes: messages in claim order (so their Message-IDs, and the unique index
  // over them, ascend), then the steps' state changes in id order.
  struct Queued {
    std::int64_t step;
    std::int64_t enrollment;
    Timestamp due_at;
    core::OutgoingMessage message;
  };

  // A multi-row INSERT: one statement (one statement journal, one trigger setup) for
  // kInsertRows rows, and a one-row form for the rest. 25 rows of 14 bound values stay far
  // below SQLite's limit of 32,766.
  static constexpr std::size_t kInsertRows = 25;
  struct RowInsert {
    RowInsert(SQLite::Database& db, std::string insert_head, std::string row_values,
              int row_bound)
        : head(std::move(insert_head)),
          row(std::move(row_values)),
          bound(row_bound),
          one(db, sql(1)) {}
    std::string sql(std::size_t rows) const {
      std::string text = head + " VALUES ";
      for (std::size_t r = 0; r < rows; ++r) text += (r == 0 ? "" : ",") + row;
      return text;
    }
    std::string head, row;
    int bound;  // parameters per row
    SQLite::Statement one;
    std::optional<SQLite::Statement> many;  // made on need
  };

  // Writes every queued message's row through `insert`: `bind` binds one message's values from
  // parameter `first`.
  template <class Bind>
  void insert_rows(RowInsert& insert, Bind bind) {
    std::size_t next = 0;
    for (; queued_.size() - next >= kInsertRows; next += kInsertRows) {
      if (!insert.many) insert.many.emplace(db_, insert.sql(kInsertRows));
      auto& q = *insert.many;
      q.reset();
      for (std::size_t r = 0; r < kInsertRows; ++r)
        bind(q, static_cast<int>(r) * insert.bound + 1, queued_[next + r]);
      q.exec();
    }
    for (; next < queued_.size(); ++next) {
      insert.one.reset();
      bind(insert.one, 1, queued_[next]);
      insert.one.exec();
    }
  }

  // The message rows, then their bodies (which refer to them).
  void write_messages() {
    insert_rows(insert_message_, [&](SQLite::Statement& q, int first, const Queued& row) {
      const auto& m = row.message;
      int i = first;
      q.bind(i++, row.step);
      q.bind(i++, row.enrollment);
      q.bindNoCopy(i++, m.message_id);
      q.bindNoCopy(i++, m.in_reply_to);
      q.bind(i++, join_references(m.references));
      q.bindNoCopy(i++, m.from_name);
      q.bindNoCopy(i++, m.from_email);
      q.bindNoCopy(i++, m.to_name);
      q.bindNoCopy(i++, m.to_email);
      q.bindNoCopy(i++, m.subject);
      q.bindNoCopy(i++, m.unsubscribe_url);
      q.bindNoCopy(i++, m.unsubscribe_mailto);
      q.bind(i++, to_db(row.due_at));
      q.bind(i, to_db(now_));
    });
    insert_rows(insert_body_, [](SQLite::Statement& q, int first, const Queued& row) {
      q.bind(first, row.step);
      q.bindNoCopy(first + 1, row.message.html);
    });
  }

  // Moves every step of `ids` out of 'scheduled' with `update` (?1 the step id), one by one in
  // id order, so that neighbouring rows are written while their page is at hand. Each was
  // claimed in this transaction, so each must change. (One UPDATE over a JSON list of them
  // measured slower: its statement journal holds every page it touches.)
  static void mark(std::vector<std::int64_t>& ids, SQLite::Statement& update) {
    std::sort(ids.begin(), ids.end());
    for (auto id : ids) {
      update.reset();
      update.bind(1, id);
      if (update.exec() != 1)
        throw std::runtime_error("claim: step " + std::to_string(id) +
                                 " was no longer scheduled when written");
    }
  }

  SQLite::Database& db_;
  Timestamp now_;
  SQLite::Transaction txn_;
  SQLite::Statement open_task_;
  RowInsert insert_message_;
  RowInsert insert_body_;
  SQLite::Statement mark_queued_;
  SQLite::Statement mark_opened_;
  SQLite::Statement exclude_;
  EventWriter events_;
  SQLite::Statement thread_parent_;
  std::vector<DueStep> steps_;
  std::vector<Queued> queued_;
  std::vector<std::int64_t> queued_steps_;
  std::array<std::vector<std::int64_t>, 4> opened_;  // plain task steps, by core::StepType
  std::vector<std::int64_t> finishing_;  // enrollments whose last step this batch queued
  bool prospects_read_ = false;
  std::unordered_map<std::int64_t, core::Prospect> prospects_;
};

}  // namespace

std::unique_ptr<WorkBatch> SqliteWorkQueue::claim(Timestamp now, std::size_t limit) {
  return std::make_unique<SqliteWorkBatch>(db_, now, limit);
}

}  // namespace touchpoint::store::sqlite
