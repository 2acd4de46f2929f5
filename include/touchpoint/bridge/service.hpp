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
  ApiError(int http_status, std::string error_code, const std::string& message,
           Json error_details = nullptr)
      : std::runtime_error(message), status(http_status), code(std::move(error_code)),
        details(std::move(error_details)) {}
  int status;
  std::string code;
  Json details;
};

// Who made a tracking hit, as far as the request tells.
struct Hit {
  std::string user_agent;
  std::string remote_address;  // the client's, past trusted proxies (ServerOptions)
  // A HEAD request: no person's mail client or browser sends one, link scanners and link
  // previews do, so the hit is a machine's (link_scanner unless it is known better).
  bool head = false;
};

// What a tracking endpoint answers with.
struct TrackingReply {
  enum class Kind { pixel, redirect, page, gone };
  Kind kind = Kind::pixel;
  std::string location;  // redirect: the URL signed into the token
  std::string html;      // page: the unsubscribe confirmation or its result
};

// An open or a click a valid token asks to record, and the answer once it is recorded; when
// its step does not exist (store::TrackingRepository::record_all says so) the answer is gone.
struct TrackingRequest {
  store::TrackingRepository::PendingHit pending;
  TrackingReply reply;
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
  // Query: owner (email, "me" or "all"; default and empty: me), state (open|completed|skipped
  // |all, default open), type (call|task|linkedin|email), view (today|overdue|upcoming, in the
  // owner's zone; open tasks only), limit (default 50; more than 200 is cut to 200), offset.
  // Answers
  // {"tasks":[{id,type,state,due_date,prospect:{id,email,name,company,timezone},
  //            owner:{id,email,name},sequence:{id,name},step,title,note,subject,
  //            snoozed_until,outcome,notes, due_at,view|null,enrollment,body (manual emails),
  //            sent_message_id,closed_at}], "total", "limit", "offset", "next_offset"|null}.
  // A bad parameter is bad_request (400) with details {"field": name}; so are bad body fields.
  Json list_tasks(const core::User& me, const Query& query, core::Timestamp now);
  // The store's version: a list_tasks answer holds while it and the second are unchanged.
  store::Store::Version data_version() { return store_.version(); }
  Json get_task(core::TaskId id);  // {"task":{...}} with the same fields
  // action: complete {"outcome","notes","sent_message_id"?}, skip {"notes"?},
  // snooze {"until": ISO8601}, reassign {"owner": email}. Answers {"task":{...}};
  // conflict (409) when the task is no longer open: exactly one of two concurrent closes wins.
  Json task_action(const core::User& me, core::TaskId id, std::string_view action,
                   const Json& body, core::Timestamp now);

  // GET /api/v1/tasks/{id}/compose?client=gmail|outlook|outlook_live|mailto: a manual email
  // task opened in the rep's own mail client — the compose link, and the Gmail API, Graph and
  // Office.js payloads for when a link would be too long (touchpoint/compose/compose.hpp has
  // the shape). bad_request naming `client` for an unknown client, 404 for an unknown task,
  // bad_request naming the field when the task is not a manual email.
  Json compose(core::TaskId id, const Query& query, core::Timestamp now);

  // --- sequences ---------------------------------------------------------------------------
  Json list_sequences();                          // {"sequences":[{id,name,version,steps,active_enrollments}]}
  // {"sequence":{id,name,version,steps,active_enrollments, settings:{timezone,fixed_timezone,
  //  default_timezone,skip_weekends,send_window|null,exit_on,exclusive,track,
  //  stop_company_on_reply}, "steps":[{position,type,day,send_mode,at,subject,note,creates_task,
  //  kpis:{sent,opened,clicked,replied,unsubscribed,machine_opened,tasks_open,tasks_completed,
  //  tasks_skipped}}]}}. KPIs count every version's enrollments by step position; opened and
  // clicked count steps people opened/clicked (machine hits apart, in machine_opened); a reply
  // counts for the last step sent before it.
  Json get_sequence(std::string_view id_or_name);
  Json sequence_versions(std::string_view id_or_name);  // {"id","name","versions":[{number,id}]}
  // The body is a sequence file (DESIGN.md §3). invalid (422) lists every error.
  // Answers {"id","version","changed"}.
  Json apply_sequence(std::string_view body, core::Timestamp now);

  // --- enrollments -------------------------------------------------------------------------
  // {"sequence": id or name, "prospect_ids": [..], "owner"?: email (default me), "start"?: ISO}
  // Answers {"sequence":{id,name},"version","enrolled": N, "already_active": [prospect ids],
  // "excluded": [{"message"}]}. Unknown prospect ids: not_found with details.ids.
  Json enroll(const core::User& me, const Json& body, core::Timestamp now);
  // A prospects CSV (DESIGN.md §4) imported, then enrolled. Query: sequence, owner?, start?.
  // Without owner, each prospect goes to its own owner, or to `me` when it has none.
  // Answers {"sequence","version","imported","updated","enrolled","already_active":[ids],
  // "errors":[{"line","email","message"}]}; an unreadable file is invalid (422).
  Json enroll_csv(const core::User& me, const Query& query, std::string_view csv,
                  core::Timestamp now);
  // action: pause {"until"?: ISO}, resume {}, exit {"cause"?: "manual"}. Answers {"enrollment":{...}}.
  Json enrollment_action(core::EnrollmentId id, std::string_view action, const Json& body,
                         core::Timestamp now);

  // --- prospects ---------------------------------------------------------------------------
  // Query: q (matches email, name or company), limit, offset.
  // {"prospects":[{id,email,name,first_name,last_name,company,title,phone,timezone,owner,
  //   salesforce_id,custom}], "total", "limit", "offset", "next_offset"}
  Json search_prospects(const Query& query);
  // {"prospect":{...}, "enrollments":[{id,sequence:{id,name},version_id,prospect,owner,state,
  //   exit_cause,paused_until,start,zone}], "events":[{id,at,type,detail,...as the feed's data}],
  //   "tasks":[...as list_tasks]}
  Json prospect_timeline(core::ProspectId id);

  // --- live feed: GET /api/v1/feed ---------------------------------------------------------
  // Events with id > after_id, oldest first, at most `limit`. Each `data` is
  // {id,at,type,detail,machine (bool),machine_kind|null,prospect:{id,email,name}|null,
  //  enrollment:{id,state,sequence:{id,name}}|null,step|null,step_run|null,message|null,subject}.
  std::vector<FeedEvent> feed_after(std::int64_t after_id, std::size_t limit);
  std::int64_t last_event_id();

  // --- public tracking endpoints: /o/<token>, /c/<token>, /u/<token> ----------------------
  // A forged, altered or expired token answers `gone` and records nothing. Hits from mail
  // privacy proxies and link scanners are recorded and marked as machine hits. A click also
  // records an open when none was recorded.
  TrackingReply open(std::string_view token, const Hit& hit, core::Timestamp now);
  TrackingReply click(std::string_view token, const Hit& hit, core::Timestamp now);
  // The first half of open() and click(), without the database: the hit to record, or empty
  // for a forged, altered, expired or foreign token (answer gone). The server records the
  // hits of all its workers together (HitRecorder). Thread-safe.
  std::optional<TrackingRequest> read_open(std::string_view token, const Hit& hit,
                                           core::Timestamp now) const;
  std::optional<TrackingRequest> read_click(std::string_view token, const Hit& hit,
                                            core::Timestamp now) const;
  // GET: the confirmation page (a form that POSTs back). POST (RFC 8058 one-click or the
  // form): ends the enrollment with cause unsubscribe (and the prospect's other live
  // enrollments: they asked for no more email), marks the prospect unsubscribed and records
  // the event once; a repeat POST answers the same page and changes nothing.
  TrackingReply unsubscribe_page(std::string_view token, core::Timestamp now);
  TrackingReply unsubscribe(std::string_view token, const Hit& hit, core::Timestamp now);

  // --- Salesforce sync: GET /api/v1/sync/salesforce --------------------------------------
  // {"last_push": {at,confirmed,failed,pending,stopped}|null, "last_pull": {at,inserted,
  //  updated,deleted}|null, "last_error": text|null, "outbox": {pending,done,failed},
  //  "failures": [{external_id,attempts,last_error}] (newest first, at most 20)}.
  // Never the stored access token.
  Json salesforce_status();

  // --- operations --------------------------------------------------------------------------
  QueueSizes queue_sizes();

 private:
  store::Store& store_;
  engine::EngineConfig config_;
};

}  // namespace touchpoint::bridge
