#pragma once
// What the bridge's HTTP layer calls: the API v1 resources, the public tracking endpoints and
// the live feed, in terms of JSON and domain types, with no HTTP in sight (DESIGN.md §8).
// The HTTP layer (plugins/bridge/http) parses requests, authenticates, calls these, and turns
// the returned JSON or a thrown ApiError into a response.
//
// Not thread-safe: a Service holds one Store (one database connection); give each worker
// thread its own.

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <touchpoint/core/id.hpp>
#include <touchpoint/core/prospect.hpp>
#include <touchpoint/core/time.hpp>
#include <touchpoint/engine/engine.hpp>
#include <touchpoint/store/store.hpp>

namespace touchpoint::bridge {

using Json = nlohmann::ordered_json;
using Query = std::map<std::string, std::string, std::less<>>;  // decoded query parameters

// A request the API refuses: the HTTP status, a stable code and a message for people.
// Codes: bad_request (400), bad_json (400), unauthorized (401), forbidden (403),
// not_found (404), conflict (409), invalid (422, with `details` listing every error).
struct ApiError : std::runtime_error {
  ApiError(int status, std::string code, std::string message, Json details = nullptr)
      : std::runtime_error(message), status(status), code(std::move(code)),
        details(std::move(details)) {}
  int status;
  std::string code;
  Json details;
};

// Who made a tracking hit, as far as the request tells.
struct Hit {
  std::string user_agent;
  std::string remote_address;
};

// What a tracking endpoint answers with.
struct TrackingReply {
  enum class Kind { pixel, redirect, page, gone };
  Kind kind = Kind::pixel;
  std::string location;  // redirect: the URL signed into the token
  std::string html;      // page: the unsubscribe confirmation or its result
};

// One live-feed event: an SSE `id`, `event` and `data`.
struct FeedEvent {
  std::int64_t id = 0;
  std::string type;  // "open", "click", "reply", "sent", "task_created", ...
  Json data;
};

// Gauges for /metrics.
struct QueueSizes {
  std::int64_t open_tasks = 0;
  std::int64_t queued_messages = 0;
  std::int64_t scheduled_steps = 0;
  std::int64_t unknown_messages = 0;
};

class Service {
 public:
  // `config` gives the public URL and the tracking secret (for verifying tokens).
  Service(store::Store& store, engine::EngineConfig config);

  // --- authentication ---------------------------------------------------------------------
  // Issues a new bearer token for a rep; only its hash is stored. Returns the token text.
  std::string create_token(core::UserId user, core::Timestamp now);
  // The rep a bearer token belongs to; empty for an unknown or revoked token.
  std::optional<core::User> authenticate(std::string_view token);

  // --- task queue: GET /api/v1/tasks, POST /api/v1/tasks/{id}/{action} --------------------
  // Query: owner (email or "me", default me), state (open|completed|skipped, default open),
  // type (call|task|linkedin|email), view (today|overdue|upcoming, in the owner's zone),
  // limit (default 50, at most 200), offset. Answers
  // {"tasks":[{id,type,state,due_date,prospect:{id,email,name,company,timezone},
  //            owner:{id,email,name},sequence:{id,name},step,title,note,subject,
  //            snoozed_until,outcome,notes}], "total", "limit", "offset", "next_offset"|null}.
  Json list_tasks(const core::User& me, const Query& query, core::Timestamp now);
  Json get_task(core::TaskId id);  // {"task":{...}} with the same fields
  // action: complete {"outcome","notes","sent_message_id"?}, skip {"notes"?},
  // snooze {"until": ISO8601}, reassign {"owner": email}. Answers {"task":{...}};
  // conflict (409) when the task is no longer open: exactly one of two concurrent closes wins.
  Json task_action(const core::User& me, core::TaskId id, std::string_view action,
                   const Json& body, core::Timestamp now);

  // --- sequences ---------------------------------------------------------------------------
  Json list_sequences();                          // {"sequences":[{id,name,version,steps,active_enrollments}]}
  Json get_sequence(std::string_view id_or_name); // {"sequence":{..., "steps":[{position,type,day,send_mode,subject,kpis:{...}}]}}
  Json sequence_versions(std::string_view id_or_name);  // {"versions":[{number,id}]}
  // The body is a sequence file (DESIGN.md §3). invalid (422) lists every error.
  // Answers {"id","version","changed"}.
  Json apply_sequence(std::string_view body, core::Timestamp now);

  // --- enrollments -------------------------------------------------------------------------
  // {"sequence": id or name, "prospect_ids": [..], "owner"?: email (default me), "start"?: ISO}
  // Answers {"enrolled": N, "already_active": [ids], "excluded": [...]}.
  Json enroll(const core::User& me, const Json& body, core::Timestamp now);
  // A prospects CSV (DESIGN.md §4) imported, then enrolled. Query: sequence, owner?, start?.
  // Answers {"imported","updated","enrolled","already_active","errors":[{"line","message"}]}.
  Json enroll_csv(const core::User& me, const Query& query, std::string_view csv,
                  core::Timestamp now);
  // action: pause {"until"?: ISO}, resume {}, exit {"cause"?: "manual"}. Answers {"enrollment":{...}}.
  Json enrollment_action(core::EnrollmentId id, std::string_view action, const Json& body,
                         core::Timestamp now);

  // --- prospects ---------------------------------------------------------------------------
  // Query: q (matches email, name or company), limit, offset. {"prospects":[...], "total"}
  Json search_prospects(const Query& query);
  // {"prospect":{...}, "enrollments":[...], "events":[{id,at,type,detail}], "tasks":[...]}
  Json prospect_timeline(core::ProspectId id);

  // --- live feed: GET /api/v1/feed ---------------------------------------------------------
  // Events with id > after_id, oldest first, at most `limit`.
  std::vector<FeedEvent> feed_after(std::int64_t after_id, std::size_t limit);
  std::int64_t last_event_id();

  // --- public tracking endpoints: /o/<token>, /c/<token>, /u/<token> ----------------------
  // A forged, altered or expired token answers `gone` and records nothing. Hits from mail
  // privacy proxies and link scanners are recorded and marked as machine hits. A click also
  // records an open when none was recorded.
  TrackingReply open(std::string_view token, const Hit& hit, core::Timestamp now);
  TrackingReply click(std::string_view token, const Hit& hit, core::Timestamp now);
  // GET: the confirmation page (a form that POSTs back). POST (RFC 8058 one-click or the
  // form): ends the enrollment with cause unsubscribe and records the event; idempotent.
  TrackingReply unsubscribe_page(std::string_view token, core::Timestamp now);
  TrackingReply unsubscribe(std::string_view token, const Hit& hit, core::Timestamp now);

  // --- operations --------------------------------------------------------------------------
  QueueSizes queue_sizes();

 private:
  store::Store& store_;
  engine::EngineConfig config_;
};

}  // namespace touchpoint::bridge
