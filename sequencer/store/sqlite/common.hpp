#pragma once
// Helpers shared by the SQLite repositories. Internal to touchpoint::store.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include <touchpoint/core/prospect.hpp>
#include <touchpoint/core/time.hpp>

namespace touchpoint::store::sqlite {

inline std::int64_t to_db(core::Timestamp t) {
  return t.time_since_epoch().count();
}
inline core::Timestamp timestamp_of(std::int64_t seconds) {
  return core::Timestamp{std::chrono::seconds{seconds}};
}
inline std::optional<core::Timestamp> optional_timestamp(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return timestamp_of(c.getInt64());
}
inline std::string text_of(const SQLite::Column& c) {
  return c.isNull() ? std::string() : c.getString();
}

// Binds NULL for an empty optional.
inline void bind_optional(SQLite::Statement& s, int index,
                          const std::optional<core::Timestamp>& t) {
  if (t)
    s.bind(index, to_db(*t));
  else
    s.bind(index);
}

// A prospect's columns in the order read_prospect reads them, for a query that joins
// `prospects p` and its owner as `LEFT JOIN users pu ON pu.id = p.owner_id`.
inline constexpr const char* kProspectColumns =
    "p.id, p.email, p.first_name, p.last_name, p.company, p.title, p.phone, p.timezone, "
    "COALESCE(pu.email, ''), p.salesforce_id, p.custom";

// The prospect in kProspectColumns' columns of `row`, the first at index `first`.
core::Prospect read_prospect(SQLite::Statement& row, int first = 0);

// Message-IDs of a References chain are stored space-separated, oldest first.
std::string join_references(const std::vector<std::string>& references);
std::vector<std::string> split_references(const std::string& stored);

// Resets a kept statement when its use ends, so the connection holds no read snapshot between
// calls (a WAL reader left open would also keep checkpoints from finishing).
struct ResetAfter {
  SQLite::Statement& q;
  ~ResetAfter() { q.tryReset(); }
};

// A statement a repository runs often, prepared on its first use and kept in `kept`; returned
// reset, its bindings cleared.
inline SQLite::Statement& prepare_once(std::optional<SQLite::Statement>& kept, SQLite::Database& db,
                                       const char* sql) {
  if (!kept) kept.emplace(db, sql);
  kept->tryReset();
  kept->clearBindings();
  return *kept;
}

// Appends event rows through one prepared statement: for a writer of many events (a claimed
// batch). Ids of 0 are stored as NULL.
class EventWriter {
 public:
  explicit EventWriter(SQLite::Database& db);
  void append(core::Timestamp at, const std::string& type, std::int64_t enrollment_id,
              std::int64_t prospect_id, std::int64_t step_run_id, std::int64_t message_id,
              const std::string& detail);

 private:
  SQLite::Statement insert_;
};

// Appends an event row. Ids of 0 are stored as NULL.
void append_event(SQLite::Database& db, core::Timestamp at, const std::string& type,
                  std::int64_t enrollment_id, std::int64_t prospect_id, std::int64_t step_run_id,
                  std::int64_t message_id, const std::string& detail);

}  // namespace touchpoint::store::sqlite
