#include "common.hpp"

#include <string_view>

#include <sqlite3.h>
#include <nlohmann/json.hpp>

namespace touchpoint::store::sqlite {

namespace {

// SQLite takes configuration only before it initializes, which the first connection anywhere in
// the process does: a tool, test or benchmark that opens a database itself before the first
// store would leave the defaults in place. So this runs before main.
//
// Memory statistics take a library-wide mutex on every allocation and free SQLite makes (a
// tenth of the sending store thread's time, per perf); nothing here reads them.
[[maybe_unused]] const bool kConfigured = [] {
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  return true;
}();

}  // namespace

core::Prospect read_prospect(SQLite::Statement& row, int first) {
  core::Prospect p;
  int c = first;
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

std::string join_references(const std::vector<std::string>& references) {
  std::string out;
  for (const auto& r : references) out += (out.empty() ? "" : " ") + r;
  return out;
}

std::vector<std::string> split_references(const std::string& stored) {
  std::vector<std::string> out;
  for (std::size_t start = 0; start < stored.size();) {
    auto end = stored.find(' ', start);
    if (end == std::string::npos) end = stored.size();
    if (end > start) out.push_back(stored.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

EventWriter::EventWriter(SQLite::Database& db)
    : insert_(db,
              "INSERT INTO events (at, type, enrollment_id, prospect_id, step_run_id, "
              "message_id, detail) VALUES (?, ?, NULLIF(?, 0), NULLIF(?, 0), NULLIF(?, 0), "
              "NULLIF(?, 0), ?)") {}

void EventWriter::append(core::Timestamp at, const std::string& type, std::int64_t enrollment_id,
                         std::int64_t prospect_id, std::int64_t step_run_id,
                         std::int64_t message_id, const std::string& detail) {
  insert_.reset();
  insert_.bind(1, to_db(at));
  insert_.bind(2, type);
  insert_.bind(3, enrollment_id);
  insert_.bind(4, prospect_id);
  insert_.bind(5, step_run_id);
  insert_.bind(6, message_id);
  insert_.bind(7, detail);
  insert_.exec();
}

void append_event(SQLite::Database& db, core::Timestamp at, const std::string& type,
                  std::int64_t enrollment_id, std::int64_t prospect_id, std::int64_t step_run_id,
                  std::int64_t message_id, const std::string& detail) {
  EventWriter(db).append(at, type, enrollment_id, prospect_id, step_run_id, message_id, detail);
}

}  // namespace touchpoint::store::sqlite
