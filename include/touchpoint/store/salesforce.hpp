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
  // Up to `limit` pending rows due at `now`, oldest first.
  virtual std::vector<OutboxRow> pending(std::size_t limit, core::Timestamp now) = 0;
  // Marks rows done, one transaction, each only if its payload is still the one sent (a row
  // changed meanwhile stays pending). `salesforce_ids` parallels `sent`.
  virtual void confirm(const std::vector<OutboxRow>& sent,
                       const std::vector<std::string>& salesforce_ids, core::Timestamp now) = 0;
  // A retryable failure: stays pending, next try not before `retry_at`.
  virtual void retry_later(const OutboxRow& row, const std::string& error,
                           core::Timestamp retry_at) = 0;
  // A permanent failure: 'failed' until its payload changes again.
  virtual void fail(const OutboxRow& row, const std::string& error, core::Timestamp now) = 0;
  virtual OutboxCounts counts() = 0;
  // The failed rows' errors, newest first.
  virtual std::vector<OutboxRow> failures(std::size_t limit) = 0;

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
