#pragma once
// The SQLite implementations of the repository interfaces. Each holds a reference to the one
// connection its SqliteStore owns. Internal to touchpoint::store.

#include <map>
#include <memory>

#include <touchpoint/store/store.hpp>

#include "common.hpp"

namespace touchpoint::store::sqlite {

class SqliteUsers final : public UserRepository {
 public:
  explicit SqliteUsers(SQLite::Database& db) : db_(db) {}
  Result<core::User> add(const core::User& user, Timestamp now) override;
  std::optional<core::User> find(const std::string& email) override;
  std::optional<core::User> get(core::UserId id) override;
  std::vector<core::User> list() override;

 private:
  SQLite::Database& db_;
};

class SqliteProspects final : public ProspectRepository {
 public:
  explicit SqliteProspects(SQLite::Database& db) : db_(db) {}
  Result<ImportSummary> import(const std::vector<core::Prospect>& prospects,
                               const std::vector<std::string>& custom_columns,
                               Timestamp now) override;
  std::optional<core::Prospect> get(core::ProspectId id) override;
  std::optional<core::Prospect> find(const std::string& email) override;
  std::vector<core::Prospect> list(const ProspectFilter& filter) override;
  std::set<std::string> custom_fields() override;

 private:
  SQLite::Database& db_;
  std::optional<SQLite::Statement> get_;
};

class SqliteSequences final : public SequenceRepository {
 public:
  explicit SqliteSequences(SQLite::Database& db) : db_(db) {}
  Result<AppliedSequence> apply(const core::Sequence& sequence, Timestamp now) override;
  std::optional<SequenceSummary> find(const std::string& id_or_name) override;
  std::vector<SequenceSummary> list() override;
  std::optional<core::Sequence> load_version(core::SequenceVersionId version) override;
  std::optional<core::SequenceVersionId> find_version(core::SequenceId sequence,
                                                      int number) override;

 private:
  SQLite::Database& db_;
};

class SqliteEnrollments final : public EnrollmentRepository {
 public:
  explicit SqliteEnrollments(SQLite::Database& db) : db_(db) {}
  Result<EnrollSummary> enroll(core::SequenceId sequence, core::SequenceVersionId version,
                               const std::vector<EnrollmentRequest>& requests, Timestamp now,
                               std::size_t batch,
                               const std::function<void(std::size_t)>& progress) override;
  std::optional<core::Enrollment> get(core::EnrollmentId id) override;
  std::vector<core::Enrollment> list(const EnrollmentFilter& filter) override;
  std::vector<int> shifts(core::EnrollmentId id) override;
  Result<core::Enrollment> pause(core::EnrollmentId id, std::optional<Timestamp> until,
                                 Timestamp now) override;
  Result<core::Enrollment> resume(core::EnrollmentId id, Timestamp now) override;
  Result<core::Enrollment> exit(core::EnrollmentId id, core::ExitCause cause,
                                Timestamp now) override;
  Result<core::Enrollment> move_to_version(core::EnrollmentId id, core::SequenceVersionId version,
                                           const std::vector<Timestamp>& due,
                                           Timestamp now) override;

 private:
  // Why a guarded UPDATE changed nothing: the enrollment is missing, or `why` (its state).
  tl::unexpected<core::Error> refusal(core::EnrollmentId id, const char* why);

  SQLite::Database& db_;
};

class TaskNotes;  // tasks.cpp: steps' notes compiled once per connection

class SqliteTasks final : public TaskRepository {
 public:
  explicit SqliteTasks(SQLite::Database& db);
  ~SqliteTasks() override;
  std::vector<core::Task> list(const TaskFilter& filter) override;
  std::optional<core::Task> get(core::TaskId id) override;
  TaskPage page(const TaskPageQuery& query) override;
  Result<core::Task> close(core::TaskId id, const TaskClosure& closure,
                           const std::vector<Reschedule>& later_steps) override;
  Result<core::Task> snooze(core::TaskId id, Timestamp until, Timestamp now) override;
  Result<core::Task> reassign(core::TaskId id, core::UserId owner, Timestamp now) override;

 private:
  // A statement prepared once per connection, by its SQL (the queue's few filter shapes).
  SQLite::Statement& prepared(const std::string& sql);

  SQLite::Database& db_;
  std::map<std::string, std::unique_ptr<SQLite::Statement>, std::less<>> statements_;
  std::unique_ptr<TaskNotes> notes_;
  bool functions_ = false;  // the view's SQL functions are registered on db_
};

class SqliteMessages final : public MessageRepository {
 public:
  explicit SqliteMessages(SQLite::Database& db) : db_(db) {}
  std::vector<StoredMessage> list(std::optional<core::EnrollmentId> enrollment) override;
  std::vector<core::OutgoingMessage> advance(
      const std::vector<std::pair<core::MessageId, core::SendOutcome>>& outcomes, std::size_t next,
      Timestamp now, const SendGate& gate) override;
  std::vector<Timestamp> sent_since(const std::string& from_email, Timestamp since) override;
  std::size_t recover_in_flight(Timestamp now) override;

 private:
  void hold_sender(const std::string& from_email, const SendHold& hold, Timestamp now);

  SQLite::Database& db_;
  // Kept for advance(), which a send runs once per group.
  std::optional<SQLite::Statement> record_outcome_, due_, mark_sending_;
  std::optional<EventWriter> events_;
};

class SqliteEvents final : public EventRepository {
 public:
  explicit SqliteEvents(SQLite::Database& db) : db_(db) {}
  std::vector<Event> list(std::int64_t after_id, std::size_t limit) override;

 private:
  SQLite::Database& db_;
};

class SqliteInbound final : public InboundRepository {
 public:
  explicit SqliteInbound(SQLite::Database& db) : db_(db) {}
  bool seen(const std::string& message_id) override;
  bool remember(const std::string& message_id, const std::string& kind, Timestamp now) override;
  std::optional<SentRef> sent_message(const std::vector<std::string>& message_ids) override;
  void record(Timestamp at, const std::string& type, std::optional<core::EnrollmentId> enrollment,
              std::optional<core::ProspectId> prospect, const std::string& detail,
              const std::optional<SentRef>& about) override;
  void mark_hard_bounced(core::ProspectId prospect, Timestamp at) override;
  std::pair<std::uint32_t, std::uint32_t> cursor(const std::string& mailbox) override;
  void save_cursor(const std::string& mailbox, std::uint32_t uid_validity,
                   std::uint32_t last_uid) override;

 private:
  SQLite::Database& db_;
};

class SqliteWorkQueue final : public WorkQueue {
 public:
  explicit SqliteWorkQueue(SQLite::Database& db) : db_(db) {}
  std::unique_ptr<WorkBatch> claim(Timestamp now, std::size_t limit) override;

 private:
  SQLite::Database& db_;
};

class SqliteApiTokens final : public ApiTokenRepository {
 public:
  explicit SqliteApiTokens(SQLite::Database& db) : db_(db) {}
  Result<void> add(core::UserId user, const std::string& token_hash, Timestamp now) override;
  std::optional<core::User> user_of(const std::string& token_hash) override;

 private:
  SQLite::Database& db_;
  std::optional<SQLite::Statement> user_of_;  // prepared once: every API request asks
};

class SqliteTracking final : public TrackingRepository {
 public:
  explicit SqliteTracking(SQLite::Database& db) : db_(db) {}
  std::optional<TrackedStep> step(core::StepRunId step_run) override;
  bool unsubscribe(const TrackedStep& step, const std::string& machine, Timestamp now) override;
  std::vector<bool> record_all(const std::vector<PendingHit>& hits) override;

 private:
  SQLite::Database& db_;
  // Prepared once: every tracking hit runs them (BEGIN and COMMIT too: parsing them on each
  // group commit showed in its profile).
  std::optional<SQLite::Statement> step_, has_event_, insert_, begin_, commit_, rollback_;
};

class SqliteActivity final : public ActivityRepository {
 public:
  explicit SqliteActivity(SQLite::Database& db) : db_(db) {}
  std::vector<ActivityEvent> events_after(std::int64_t after_id, std::size_t limit) override;
  std::vector<ActivityEvent> prospect_events(core::ProspectId prospect) override;
  std::int64_t last_event_id() override;
  ProspectPage search_prospects(const std::string& text, std::size_t limit,
                                std::size_t offset) override;
  std::vector<StepKpis> step_kpis(core::SequenceId sequence) override;
  QueueCounts queue_counts() override;

 private:
  SQLite::Database& db_;
};

// Finishes an active enrollment once none of its steps is scheduled or open.
void finish_if_done(SQLite::Database& db, std::int64_t enrollment_id, Timestamp now);

}  // namespace touchpoint::store::sqlite
