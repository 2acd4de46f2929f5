#pragma once
// Repository interfaces: what the engine and the CLI need from persistence, in domain types.
// SQLite implements them today; PostgreSQL can implement the same interfaces later without
// touching core or the engine. Implementations are not thread-safe unless they say so: give
// each thread its own Store.

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <touchpoint/core/enrollment.hpp>
#include <touchpoint/core/ports.hpp>
#include <touchpoint/core/prospect.hpp>
#include <touchpoint/core/prospect_import.hpp>
#include <touchpoint/core/result.hpp>
#include <touchpoint/core/sequence.hpp>
#include <touchpoint/core/task.hpp>

namespace touchpoint::store {

using core::Result;
using core::Timestamp;

class UserRepository {
 public:
  virtual ~UserRepository() = default;
  // Adds a rep; `conflict` when the email (case-insensitive) is taken.
  virtual Result<core::User> add(const core::User& user, Timestamp now) = 0;
  virtual std::optional<core::User> find(const std::string& email) = 0;
  virtual std::optional<core::User> get(core::UserId id) = 0;
  virtual std::vector<core::User> list() = 0;
};

struct ImportSummary {
  int inserted = 0;
  int updated = 0;
};

struct ProspectFilter {
  std::optional<core::UserId> owner;
  std::optional<std::string> email_domain;  // "nordvik.se": addresses at that domain
  std::size_t limit = 0;  // 0: no limit
};

class ProspectRepository {
 public:
  virtual ~ProspectRepository() = default;
  // Upserts by email (case-insensitive), in one transaction; owners are resolved by email
  // (they were validated by core::read_prospects). Registers the custom columns.
  virtual Result<ImportSummary> import(const std::vector<core::Prospect>& prospects,
                                       const std::vector<std::string>& custom_columns,
                                       Timestamp now) = 0;
  virtual std::optional<core::Prospect> get(core::ProspectId id) = 0;
  virtual std::optional<core::Prospect> find(const std::string& email) = 0;
  virtual std::vector<core::Prospect> list(const ProspectFilter& filter) = 0;
  // Every custom column ever imported: the fields templates may use beyond the known ones.
  virtual std::set<std::string> custom_fields() = 0;
};

struct SequenceSummary {
  core::SequenceId id;
  std::string name;
  int version = 0;  // the current version
  core::SequenceVersionId version_id;
  int steps = 0;
  int active_enrollments = 0;
};

struct AppliedSequence {
  core::SequenceId id;
  int version = 0;
  core::SequenceVersionId version_id;
  bool changed = false;  // false when the file equals the current version
};

class SequenceRepository {
 public:
  virtual ~SequenceRepository() = default;
  // Stores a sequence by name: a new sequence gets version 1; a changed definition gets the
  // next version; an unchanged one keeps its version. Enrolled prospects stay on theirs.
  virtual Result<AppliedSequence> apply(const core::Sequence& sequence, Timestamp now) = 0;
  // By numeric id or exact name.
  virtual std::optional<SequenceSummary> find(const std::string& id_or_name) = 0;
  virtual std::vector<SequenceSummary> list() = 0;
  virtual std::optional<core::Sequence> load_version(core::SequenceVersionId version) = 0;
  // The id of version `number` of a sequence.
  virtual std::optional<core::SequenceVersionId> find_version(core::SequenceId sequence,
                                                              int number) = 0;
};

// One prospect to enroll, with its plan already computed (core::plan_schedule).
struct EnrollmentRequest {
  core::ProspectId prospect;
  core::UserId owner;
  Timestamp start{};
  std::string zone;
  std::vector<Timestamp> due;  // one per step, in position order
};

struct EnrollSummary {
  int enrolled = 0;
  std::vector<core::ProspectId> already_active;  // skipped: one active enrollment per sequence
};

struct EnrollmentFilter {
  std::optional<core::SequenceId> sequence;
  std::optional<core::ProspectId> prospect;
};

// A pending step's new due instant after a shift (rule 8).
struct Reschedule {
  int position = 0;
  Timestamp due_at{};
  int shift = 0;  // total allowed dates moved so far
};

class EnrollmentRepository {
 public:
  virtual ~EnrollmentRepository() = default;
  // Enrolls every request in one transaction per `batch` requests, calling `progress` after
  // each with the number done. Steps are stored `scheduled`.
  virtual Result<EnrollSummary> enroll(core::SequenceId sequence, core::SequenceVersionId version,
                                       const std::vector<EnrollmentRequest>& requests,
                                       Timestamp now, std::size_t batch = 5000,
                                       const std::function<void(std::size_t)>& progress = {}) = 0;
  virtual std::optional<core::Enrollment> get(core::EnrollmentId id) = 0;
  virtual std::vector<core::Enrollment> list(const EnrollmentFilter& filter) = 0;
  // The shift already applied to each step (index = position - 1).
  virtual std::vector<int> shifts(core::EnrollmentId id) = 0;
  virtual Result<core::Enrollment> pause(core::EnrollmentId id, std::optional<Timestamp> until,
                                         Timestamp now) = 0;
  virtual Result<core::Enrollment> resume(core::EnrollmentId id, Timestamp now) = 0;
  // Ends the enrollment; pending steps are cancelled and open tasks skipped.
  virtual Result<core::Enrollment> exit(core::EnrollmentId id, core::ExitCause cause,
                                        Timestamp now) = 0;
  // Moves a live enrollment to another version of its sequence, atomically: `due` holds the
  // new version's due instant per position. Steps already done or open stay as they are;
  // pending ones take the new instants; positions the new version adds are scheduled and
  // those it drops are cancelled. `conflict` when the enrollment has ended.
  virtual Result<core::Enrollment> move_to_version(core::EnrollmentId id,
                                                   core::SequenceVersionId version,
                                                   const std::vector<Timestamp>& due,
                                                   Timestamp now) = 0;
};

struct TaskFilter {
  std::optional<core::UserId> owner;
  std::optional<core::StepType> type;
  std::optional<core::TaskState> state = core::TaskState::open;
  std::optional<core::EnrollmentId> enrollment;
  std::size_t limit = 0;  // 0: no limit
  std::size_t offset = 0;
};

// A page of the task queue, cut in the database: `filter` (its limit and offset give the
// page) and, with `view`, only the open tasks that stand there for their owner at `now`
// (core::classify in the owner's zone; UTC when the owner or the zone is unknown).
struct TaskPageQuery {
  TaskFilter filter;
  std::optional<core::TaskView> view;
  Timestamp now{};
};

// A task with what the queue shows beside it, read in the same query.
struct ListedTask {
  core::Task task;
  std::string prospect_company;
  std::string prospect_timezone;
  bool owner_known = false;    // the owner is a rep (the fields below are theirs)
  std::string owner_name;
  std::string owner_timezone;  // IANA name as stored
  core::SequenceId sequence;
};

struct TaskPage {
  std::vector<ListedTask> tasks;  // by due instant, then id
  std::int64_t total = 0;         // the matching tasks over every page
};

// How a task is closed.
struct TaskClosure {
  core::TaskState state = core::TaskState::completed;
  std::string outcome;
  std::string notes;
  std::string sent_message_id;
  Timestamp at{};
};

class TaskRepository {
 public:
  virtual ~TaskRepository() = default;
  virtual std::vector<core::Task> list(const TaskFilter& filter) = 0;
  virtual std::optional<core::Task> get(core::TaskId id) = 0;
  // One page of tasks and the total, filtered, ordered and cut by the database; only the
  // page's tasks are made (title and note personalized).
  virtual TaskPage page(const TaskPageQuery& query) = 0;
  // Closes an open task and moves the enrollment's pending steps, atomically. `conflict` when
  // the task is not open (exactly one of two concurrent closes wins).
  virtual Result<core::Task> close(core::TaskId id, const TaskClosure& closure,
                                   const std::vector<Reschedule>& later_steps) = 0;
  virtual Result<core::Task> snooze(core::TaskId id, Timestamp until, Timestamp now) = 0;
  virtual Result<core::Task> reassign(core::TaskId id, core::UserId owner, Timestamp now) = 0;
};

enum class DeliveryState { queued, sending, sent, failed, unknown };
const char* to_string(DeliveryState state) noexcept;

struct StoredMessage {
  core::OutgoingMessage message;
  DeliveryState state = DeliveryState::queued;
  core::EnrollmentId enrollment;
  int position = 0;
  Timestamp due_at{};
  std::optional<Timestamp> sent_at;
  std::string detail;
};

// A sender's mailbox held back by a send throttle (core/throttle.hpp) until `until`.
struct SendHold {
  Timestamp until{};
  std::string detail;  // "throttled: per_minute 30 until 2026-03-02T10:01:00Z"
};

// Asked by advance() about a queued message's sender (its From address) just before the
// message would be marked `sending`. No hold admits the message: it is marked `sending` and
// returned, so the caller counts it as a send at `now` until its outcome says otherwise. It may
// read this repository (sent_since) while advance() runs.
using SendGate = std::function<std::optional<SendHold>(const std::string& from_email)>;

class MessageRepository {
 public:
  virtual ~MessageRepository() = default;
  virtual std::vector<StoredMessage> list(std::optional<core::EnrollmentId> enrollment) = 0;
  // In one transaction: records the outcomes of the messages just handed to the transport,
  // then marks up to `next` queued messages (due for a try at `now`) `sending` and returns
  // them. Recording one message and starting the next in the same commit means a crash
  // leaves only the messages actually in the transport's hands `sending`, which
  // recover_in_flight turns into `unknown`; with next = 1, at most one.
  // `gate` (may be empty) is asked before each message is marked; when it holds a sender
  // (until > now), every due queued message from that sender stays `queued` with
  // next_attempt_at = until and detail = the hold's detail, and gets a `throttled` event the
  // first time it is held; messages from other senders are still started.
  virtual std::vector<core::OutgoingMessage> advance(
      const std::vector<std::pair<core::MessageId, core::SendOutcome>>& outcomes, std::size_t next,
      Timestamp now, const SendGate& gate) = 0;
  // The instants (oldest first) of the messages sent from `from_email` after `since`, and of
  // the attempts left `unknown` (they may have left): what the send throttles count.
  virtual std::vector<Timestamp> sent_since(const std::string& from_email, Timestamp since) = 0;
  // Marks every `sending` message `unknown` (it may or may not have left): called once by the
  // sole engine at start, after a crash. Returns how many. Never resends them.
  virtual std::size_t recover_in_flight(Timestamp now) = 0;
};

// A message we sent, as an inbound message (a reply, a delivery report) refers to it.
struct SentRef {
  core::MessageId message;
  core::StepRunId step_run;
  core::EnrollmentId enrollment;
};

// What inbound mail needs from the store, beyond enrollments and prospects.
class InboundRepository {
 public:
  virtual ~InboundRepository() = default;
  // True when an inbound Message-ID was acted on before.
  virtual bool seen(const std::string& message_id) = 0;
  // Remembers an inbound Message-ID as acted on; false when it already was.
  virtual bool remember(const std::string& message_id, const std::string& kind, Timestamp now) = 0;
  // The newest message we sent whose Message-ID is one of `message_ids`.
  virtual std::optional<SentRef> sent_message(const std::vector<std::string>& message_ids) = 0;
  // Records an activity event ("reply", "auto_reply", "soft_bounce", ...), on the sent message
  // it is about when that is known (`about`), so it counts for that email.
  virtual void record(Timestamp at, const std::string& type,
                      std::optional<core::EnrollmentId> enrollment,
                      std::optional<core::ProspectId> prospect, const std::string& detail,
                      const std::optional<SentRef>& about) = 0;
  // Marks a prospect's address as hard-bounced (an exclusion cause for later sends).
  virtual void mark_hard_bounced(core::ProspectId prospect, Timestamp at) = 0;

  // How far a mailbox folder has been read: {uid_validity, last_uid}; {0, 0} before the first.
  virtual std::pair<std::uint32_t, std::uint32_t> cursor(const std::string& mailbox) = 0;
  virtual void save_cursor(const std::string& mailbox, std::uint32_t uid_validity,
                           std::uint32_t last_uid) = 0;
};

struct Event {
  std::int64_t id = 0;
  Timestamp at{};
  std::string type;  // "task_created", "sent", "excluded", ...
  std::optional<core::EnrollmentId> enrollment;
  std::optional<core::ProspectId> prospect;
  std::string detail;
};

class EventRepository {
 public:
  virtual ~EventRepository() = default;
  virtual std::vector<Event> list(std::int64_t after_id, std::size_t limit) = 0;
};

// Bearer tokens for the bridge's API (DESIGN.md §8). Only a hash of each token is stored, so
// the database never holds a usable token.
class ApiTokenRepository {
 public:
  virtual ~ApiTokenRepository() = default;
  // Stores a new token's hash for a rep; `not_found` when the rep does not exist.
  virtual Result<void> add(core::UserId user, const std::string& token_hash, Timestamp now) = 0;
  // The rep whose unrevoked token has this hash; empty otherwise.
  virtual std::optional<core::User> user_of(const std::string& token_hash) = 0;
};

// A sent step as the public tracking endpoints see it (the token names only the step).
struct TrackedStep {
  core::StepRunId step_run;
  core::EnrollmentId enrollment;
  core::ProspectId prospect;
  core::MessageId message;  // 0 when the step has no message
};

// One hit on a tracking endpoint.
struct TrackingHit {
  std::string type;     // "open", "click", "unsubscribe"
  std::string detail;   // click: the URL
  std::string machine;  // "" for a person, else the kind of machine (core/machine_hits.hpp)
};

class TrackingRepository {
 public:
  virtual ~TrackingRepository() = default;
  // The step a tracking token names; empty when no such step exists.
  virtual std::optional<TrackedStep> step(core::StepRunId step_run) = 0;
  // With ImpliedOpen::yes an "open" is recorded before the hit when the step has none (a click
  // means the email was opened).
  enum class ImpliedOpen { no, yes };
  // A hit to record on the step its token names (which may not exist).
  struct PendingHit {
    core::StepRunId step_run;
    TrackingHit hit;
    ImpliedOpen implied_open = ImpliedOpen::no;
    Timestamp at{};
  };
  // Records every hit whose step exists as an event of the step, all in one transaction
  // (group commit). Answers, per hit in order, whether its step exists. Throws
  // on a database fault, and then nothing is recorded.
  virtual std::vector<bool> record_all(const std::vector<PendingHit>& hits) = 0;
  // Marks the prospect unsubscribed and records the "unsubscribe" event, the first time only:
  // false when the prospect had already unsubscribed. Ending enrollments is the caller's.
  virtual bool unsubscribe(const TrackedStep& step, const std::string& machine, Timestamp now) = 0;
};

// What happened to each step of a sequence, counted over every version by position.
struct StepKpis {
  int position = 0;
  int sent = 0;            // messages sent
  int opened = 0;          // sent steps opened by a person (machine opens not counted)
  int clicked = 0;         // sent steps clicked by a person
  int machine_opened = 0;  // sent steps opened by a machine (mail privacy proxies)
  int replied = 0;         // replies, credited to the last step sent before each
  int unsubscribed = 0;
  int tasks_open = 0;
  int tasks_completed = 0;
  int tasks_skipped = 0;
};

// An event with what a person reading the feed needs to make sense of it.
struct ActivityEvent {
  Event event;
  std::int64_t step_run = 0;  // 0 when the event is not about one step
  std::int64_t message = 0;
  std::string machine;  // "" for people
  std::string prospect_email;
  std::string prospect_first_name;
  std::string prospect_last_name;
  std::int64_t sequence = 0;  // 0 when the event has no enrollment
  std::string sequence_name;
  std::string enrollment_state;  // "active", "exited", ...; "" without an enrollment
  int position = 0;              // the step's position; 0 when not about one step
  std::string subject;           // the sent message's subject, when there is one
};

struct ProspectPage {
  std::vector<core::ProspectId> prospects;  // ProspectRepository::get reads each
  std::int64_t total = 0;                   // matches before paging
};

// Gauges for operations.
struct QueueCounts {
  std::int64_t open_tasks = 0;
  std::int64_t queued_messages = 0;
  std::int64_t scheduled_steps = 0;
  std::int64_t unknown_messages = 0;
};

// Read models for the bridge: the live feed, timelines, search and KPIs.
class ActivityRepository {
 public:
  virtual ~ActivityRepository() = default;
  // Events with id > after_id, oldest first, at most `limit` (0: no limit).
  virtual std::vector<ActivityEvent> events_after(std::int64_t after_id, std::size_t limit) = 0;
  // Every event about a prospect (directly or through its enrollments), oldest first.
  virtual std::vector<ActivityEvent> prospect_events(core::ProspectId prospect) = 0;
  virtual std::int64_t last_event_id() = 0;
  // Prospects whose email, name or company contains `text` (case-insensitive for ASCII),
  // ordered by id; an empty text matches everybody.
  virtual ProspectPage search_prospects(const std::string& text, std::size_t limit,
                                        std::size_t offset) = 0;
  // One entry per position that has any activity, in position order.
  virtual std::vector<StepKpis> step_kpis(core::SequenceId sequence) = 0;
  virtual QueueCounts queue_counts() = 0;
};

}  // namespace touchpoint::store
