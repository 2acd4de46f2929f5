#pragma once
// The sync: push Touchpoint's tasks and sent emails to Salesforce as Task records through the
// store's outbox, and pull Leads and Contacts into prospects. Runs on the caller's thread with
// the caller's Store (the HTTP calls of a push may fan out to settings.concurrency threads;
// only the caller's thread touches the store).

#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <touchpoint/salesforce/api.hpp>
#include <touchpoint/store/store.hpp>

namespace touchpoint::salesforce {

// The Task records Salesforce should hold now, from every task and sent email in the store:
// "tp-task-<id>" and "tp-email-<message id>", payload = the Task's fields as JSON.
std::vector<store::OutboxRecord> task_records(store::Store& store, const Settings& settings);

// A sent email's Task record.
store::OutboxRecord email_record(const store::SentEmail& email, const std::string& who_id,
                                 const Settings& settings);

// The record an outbox row stands for ("tp-task-41", "tp-email-7") as it should be now;
// nullopt when there is none (no such task, or the email was not sent).
std::optional<store::OutboxRecord> record_of(store::Store& store, const Settings& settings,
                                             const std::string& external_id);

// Stages the records that changed since the last push. The outbox is transactional (migration
// 0010): once capture is on, every change to a task, a sent email or a prospect's Salesforce
// link marks its outbox row in the change's own transaction, and only the marked rows are
// rebuilt here. The first push, and the first after the settings that shape a record
// (external_id_field, users) changed, switches capture on and compares every record instead.
// Returns how many records were staged.
std::size_t stage_changes(store::Store& store, const Settings& settings, core::Timestamp now);

// One Task record's fields (without `attributes`) for a task.
nlohmann::ordered_json task_fields(const core::Task& task, const std::string& who_id,
                                   const Settings& settings);

struct RecordError {
  std::string external_id;
  std::string code;  // Salesforce statusCode, "UNABLE_TO_LOCK_ROW"
  std::string message;
};

struct PushSummary {
  long long staged = 0;      // records whose payload changed since the last push
  long long sent = 0;        // records sent (retries included)
  long long confirmed = 0;   // records Salesforce confirmed
  long long created = 0;
  long long retried = 0;     // retryable record errors (UNABLE_TO_LOCK_ROW ...)
  long long failed = 0;      // permanent record errors
  long long calls = 0;       // upsert calls that got a response
  long long pending = 0;     // still waiting in the outbox after the run
  std::string stopped;       // "" when drained; else why it stopped ("budget", an error)
  std::vector<RecordError> errors;  // the permanent ones, at most 20
};

// Stages the changed records, then drains the outbox in calls of at most 200 records,
// settings.concurrency calls in flight. Once `stop` is requested no new call starts (the calls
// in flight finish and are written; the rest stays pending).
PushSummary push(store::Store& store, Api& api, core::Timestamp now, std::stop_token stop = {});

// Drains the outbox only (no staging): for a caller that staged records itself.
PushSummary drain(store::Store& store, Api& api, core::Timestamp now, std::stop_token stop = {});

struct DiffEntry {
  std::string external_id;
  std::string action;                // "create" or "update"
  std::vector<std::string> fields;   // the fields that differ from the last push
};
// What a push would send, without sending or storing anything.
std::vector<DiffEntry> push_diff(store::Store& store, const Settings& settings);

struct PullSummary {
  long long fetched = 0;    // records read (overlaps included)
  long long inserted = 0;
  long long updated = 0;
  long long unchanged = 0;  // overlap window re-reads and records equal to ours
  long long skipped = 0;    // without an email
  long long deleted = 0;    // prospects unlinked after getDeleted
  long long pages = 0;      // query pages read
};

// Pulls Leads then Contacts modified since each object's cursor minus the overlap window,
// following nextRecordsUrl, then deletions (getDeleted). With dry_run, reads only: nothing is
// written to the store (the counts say what would happen as inserted/fetched only).
PullSummary pull(store::Store& store, Api& api, core::Timestamp now, bool dry_run = false);

}  // namespace touchpoint::salesforce
