#pragma once
// The SQLite SalesforceRepository. Internal to touchpoint::store.

#include <touchpoint/store/salesforce.hpp>

#include "common.hpp"

namespace touchpoint::store::sqlite {

class SqliteSalesforce final : public SalesforceRepository {
 public:
  explicit SqliteSalesforce(SQLite::Database& db) : db_(db) {}
  std::vector<OutboxRecord> changed(const std::vector<OutboxRecord>& current) override;
  std::size_t stage(const std::vector<OutboxRecord>& current, core::Timestamp now) override;
  std::vector<OutboxRow> pending_after(std::int64_t seq, std::size_t limit,
                                       core::Timestamp now) override;
  void settle(const std::vector<OutboxResult>& results, core::Timestamp now) override;
  std::vector<OutboxMark> marked(std::size_t limit) override;
  std::size_t stage_marked(const std::vector<OutboxRecord>& records,
                           const std::vector<OutboxMark>& marks, core::Timestamp now) override;
  std::optional<SentEmail> sent_email(std::int64_t id) override;
  OutboxCounts counts() override;
  std::vector<OutboxRow> failures(std::size_t limit) override;
  std::optional<std::string> state(const std::string& key) override;
  void set_state(const std::string& key, const std::string& value, core::Timestamp now) override;
  PullResult upsert_prospect(const PulledProspect& pulled, core::Timestamp now) override;
  bool unlink_prospect(const std::string& salesforce_id, core::Timestamp now) override;

 private:
  SQLite::Database& db_;
};

}  // namespace touchpoint::store::sqlite
