#pragma once
// Shared by the service's files: request reading (query and body fields, each error naming
// its field), the JSON shapes of service.hpp, and lookups cached for one call.
// Internal to touchpoint::bridge_service.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>

#include <touchpoint/bridge/service.hpp>
#include <touchpoint/core/result.hpp>
#include <touchpoint/core/task.hpp>

namespace touchpoint::bridge::detail {

// --- errors -------------------------------------------------------------------------------
// A 400 naming the field: message "<field>: <what>", details {"field": field}.
[[noreturn]] void bad_field(std::string_view field, const std::string& what);
// A 404 for a thing named by a field or path.
[[noreturn]] void not_found(std::string_view field, const std::string& what);
// The ApiError for a store or engine error: invalid_input 400, not_found 404, conflict 409,
// anything else 500.
ApiError api_error(const core::Error& error);
// Unwraps a Result or throws its ApiError.
template <typename T>
T require(core::Result<T> result) {
  if (!result) throw api_error(result.error());
  if constexpr (!std::is_void_v<T>) return std::move(*result);
}

// --- request reading ----------------------------------------------------------------------
// The query value, when present and not empty.
std::optional<std::string> query_value(const Query& query, std::string_view name);
// A whole number in [minimum, maximum] from the query; `fallback` when absent.
std::int64_t query_number(const Query& query, std::string_view name, std::int64_t fallback,
                          std::int64_t minimum, std::int64_t maximum);
// Paging: limit (default 50, at most 200: larger asks are cut to 200) and offset.
struct Page {
  std::size_t limit = 50;
  std::size_t offset = 0;
};
Page query_page(const Query& query);
// {"next_offset": offset + shown, or null at the end}
Json next_offset(const Page& page, std::size_t shown, std::int64_t total);

// The body as an object: null counts as {}; anything else but an object is a 400.
const Json& body_object(const Json& body);
// A string field, when present (null counts as absent); a 400 when it is not a string.
std::optional<std::string> body_string(const Json& body, std::string_view field);
// An ISO 8601 instant with an offset, parsed; a 400 naming `field` otherwise.
core::Timestamp parse_instant_field(std::string_view field, const std::string& text);
// A rep by email; a 400 naming `field` for an unknown one.
core::User rep_by_email(store::Store& store, std::string_view field, const std::string& email);
// A sequence by id or name; a 404 naming `field` for an unknown one.
store::SequenceSummary sequence_by(store::Store& store, std::string_view field,
                                   const std::string& id_or_name);

// --- JSON shapes --------------------------------------------------------------------------
Json instant_json(const std::optional<core::Timestamp>& t);  // ISO 8601 UTC or null
Json user_json(const core::User& user);                      // {id,email,name,timezone}

// Reads prospects, reps, enrollments and sequence names at most once per call.
class Lookups {
 public:
  explicit Lookups(store::Store& store) : store_(store) {}
  const core::Prospect* prospect(core::ProspectId id);
  const core::User* user(core::UserId id);
  const core::Enrollment* enrollment(core::EnrollmentId id);
  std::string sequence_name(core::SequenceId id);
  // The rep's zone, UTC when the rep or the zone is unknown.
  const date::time_zone& zone_of(core::UserId id);
  // The id of the sequence a task belongs to, from its name (unique), else its enrollment.
  std::int64_t sequence_id_of(const core::Task& task);

 private:
  store::Store& store_;
  std::unordered_map<std::int64_t, std::optional<core::Prospect>> prospects_;
  std::unordered_map<std::int64_t, std::optional<core::User>> users_;
  std::unordered_map<std::int64_t, std::optional<core::Enrollment>> enrollments_;
  std::unordered_map<std::int64_t, std::string> sequence_names_;
  std::unordered_map<std::int64_t, const date::time_zone*> zones_;
  std::unordered_map<std::string, std::int64_t> sequence_ids_;
};

// {id,email,name,company,timezone}: a prospect as tasks and the feed show it.
Json prospect_brief_json(const core::Prospect& p);
// Every field of a prospect, with "name" and "custom".
Json prospect_json(const core::Prospect& p);
// A task with the fields service.hpp lists; `view` only for open tasks when `now` is given.
Json task_json(const store::ListedTask& t, std::optional<core::Timestamp> now);
// The same for a task read alone, with what the queue shows beside it looked up.
Json task_json(const core::Task& t, Lookups& lookups, std::optional<core::Timestamp> now);
Json enrollment_json(const core::Enrollment& e, Lookups& lookups);
// The feed's and timeline's event: the event's fields, its prospect, enrollment and step.
Json activity_json(const store::ActivityEvent& a);

}  // namespace touchpoint::bridge::detail
