#pragma once
// What the Salesforce sync needs from persistence: the Task outbox, the sync's state, and
// prospects keyed by their Salesforce id. Not thread-safe (like every repository).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <touchpoint/core/prospect.hpp>
#include <touchpoint/core/time.hpp>

namespace touchpoint::store {

// A Task record as the sync wants Salesforce to hold it.
struct OutboxRecord {
  std::string external_id;
  std::string payload;   // JSON object text
  std::string previous;  // changed(): the payload last staged, "" when the record is new
};

struct OutboxRow {
  std::string external_id;
  std::string payload;
  int attempts = 0;
  std::string last_error;
  std::int64_t seq = 0;  // the row's place in the outbox: a drain reads on from the last one
};

// What became of one record of an upsert call.
struct OutboxResult {
  enum class Kind { confirmed, retry, failed };
  OutboxRow row;
  Kind kind = Kind::confirmed;
  std::string detail;           // confirmed: the Salesforce Id ("" when none); else the error
  core::Timestamp retry_at{};   // retry: not before
};

// An outbox row that a change marked (the capture triggers of migration 0010): its payload
// must be rebuilt. `generation` is the mark's count when read: the mark is cleared only if no
// newer change bumped it meanwhile.
struct OutboxMark {
  std::string external_id;
  std::int64_t generation = 0;
};

// A sent email as the push maps it to a Task.
struct SentEmail {
  std::int64_t id = 0;
  std::string message_id;
  std::string subject;
  std::string from_email;
  std::string to_email;
  int position = 0;
  core::Timestamp sent_at{};
};

struct OutboxCounts {
  std::int64_t pending = 0;
  std::int64_t done = 0;
  std::int64_t failed = 0;
};

// A Lead or Contact as pulled.
struct PulledProspect {
  std::string salesforce_id;
  std::string email;
  std::string first_name;
  std::string last_name;
  std::string company;
  std::string title;
  std::string phone;
  std::string owner_email;  // "" when the Salesforce owner maps to no rep
};

enum class PullResult { inserted, updated, unchanged, skipped };

class SalesforceRepository {
 public:
  virtual ~SalesforceRepository() = default;

  // The records whose payload differs from the one last staged or confirmed: what a push
  // would send. Reads only (for --dry-run).
  virtual std::vector<OutboxRecord> changed(const std::vector<OutboxRecord>& current) = 0;
  // Stages every changed record as pending (attempts reset), in one transaction. Returns how
  // many were staged.
  virtual std::size_t stage(const std::vector<OutboxRecord>& current, core::Timestamp now) = 0;
  // Up to `limit` pending rows due at `now` that come after `seq` in the outbox, in outbox
  // order: a drain walks the outbox once per pass without re-reading rows in flight.
  virtual std::vector<OutboxRow> pending_after(std::int64_t seq, std::size_t limit,
                                               core::Timestamp now) = 0;
  // Writes the results of one upsert call, in one transaction: confirmed rows done (each only
  // if its payload is still the one sent), retryable ones kept pending until retry_at,
  // permanent failures 'failed' until their payload changes again. The rows are as
  // pending_after read them (their seq is used).
  virtual void settle(const std::vector<OutboxResult>& results, core::Timestamp now) = 0;
  virtual OutboxCounts counts() = 0;
  // The failed rows' errors, newest first.
  virtual std::vector<OutboxRow> failures(std::size_t limit) = 0;

  // Change capture (migration 0010). The marked rows, at most `limit`.
  virtual std::vector<OutboxMark> marked(std::size_t limit) = 0;
  // Stages `records` (as stage() does) and clears `marks` whose generation is unchanged, in one
  // transaction. A cleared mark without a record (the task or email is no longer one) drops
  // its row when nothing was ever staged for it. Returns how many records were staged.
  virtual std::size_t stage_marked(const std::vector<OutboxRecord>& records,
                                   const std::vector<OutboxMark>& marks, core::Timestamp now) = 0;
  // A sent email by its row id (messages.id); nullopt unless it was sent.
  virtual std::optional<SentEmail> sent_email(std::int64_t id) = 0;

  virtual std::optional<std::string> state(const std::string& key) = 0;
  virtual void set_state(const std::string& key, const std::string& value, core::Timestamp now) = 0;

  // Inserts or updates a prospect by its Salesforce id, else by email (linking it). Owners are
  // reps' emails; unknown ones leave the owner as it was. `skipped` without an email.
  virtual PullResult upsert_prospect(const PulledProspect& pulled, core::Timestamp now) = 0;
  // A Lead/Contact deleted in Salesforce: the prospect keeps its history but loses the link
  // (salesforce_id cleared) and gets a "salesforce_deleted" event. False when none had it.
  virtual bool unlink_prospect(const std::string& salesforce_id, core::Timestamp now) = 0;
};

}  // namespace touchpoint::store
