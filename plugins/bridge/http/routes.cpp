// The route table and its handlers: each turns an Exchange into a Service call and its JSON
// into a response. Errors are thrown as ApiError and mapped in dispatch.cpp.
#include <charconv>
#include <chrono>
#include <string>
#include <unordered_map>

#include <boost/beast/http/field.hpp>

#include "exchange.hpp"

namespace touchpoint::bridge::http {
namespace {

// A path parameter that must be a positive whole number.
std::int64_t id_param(const Exchange& ex, const char* name = "id") {
  auto it = ex.params.find(name);
  std::int64_t value = 0;
  if (it != ex.params.end()) {
    const auto& s = it->second;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec == std::errc() && end == s.data() + s.size() && value > 0) return value;
  }
  throw ApiError(400, "bad_request",
                 std::string(name) + ": '" + (it == ex.params.end() ? "" : it->second) +
                     "' is not a positive whole number");
}

// The request body as JSON; an empty body is {}.
Json body_json(const Exchange& ex) {
  const auto& body = ex.request.body();
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return Json::object();
  try {
    return Json::parse(body);
  } catch (const Json::parse_error& e) {
    throw ApiError(400, "bad_json", std::string("the body is not valid JSON: ") + e.what());
  }
}

// The last path segment: the action of ".../{id}/complete".
std::string_view action_of(const Exchange& ex) {
  auto target = std::string_view(ex.request.target());
  target = target.substr(0, target.find('?'));
  return target.substr(target.rfind('/') + 1);
}

Outcome ok(const Json& body) {
  return {json_response(200, body), std::nullopt};
}

Outcome healthz(Exchange&) {
  return ok({{"status", "ok"}});
}

Outcome metrics(Exchange& ex) {
  Response res{bhttp::status::ok, 11};
  res.set(bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  res.body() = ex.metrics.render(ex.service.queue_sizes());
  return {std::move(res), std::nullopt};
}

Outcome me(Exchange& ex) {
  const auto& u = *ex.user;
  return ok(
      {{"user",
        {{"id", u.id.value}, {"email", u.email}, {"name", u.name}, {"timezone", u.timezone}}}});
}

// The task queue is read far more often than it changes (every rep's page polls it), so each
// worker keeps the pages it answered: one is answered again, byte for byte, while the database
// is unchanged (store::Store::Version) within the same second (the views depend on the
// clock). A write through any connection, the engine's included, changes the version.
struct CachedPage {
  std::int64_t second = 0;
  store::Store::Version version;
  std::string body;
};
constexpr std::size_t kPageCacheMax = 256;
thread_local std::unordered_map<std::string, CachedPage> page_cache;

Outcome list_tasks(Exchange& ex) {
  auto key = std::to_string(ex.user->id.value) + ' ' + std::string(ex.request.target());
  auto second =
      std::chrono::duration_cast<std::chrono::seconds>(ex.now.time_since_epoch()).count();
  auto version = ex.service.data_version();
  if (auto it = page_cache.find(key);
      it != page_cache.end() && it->second.second == second && it->second.version == version) {
    return {json_text_response(200, it->second.body), std::nullopt};
  }
  auto out = ok(ex.service.list_tasks(*ex.user, ex.query, ex.now));
  if (page_cache.size() >= kPageCacheMax) page_cache.clear();
  page_cache.insert_or_assign(std::move(key), CachedPage{second, version, out.response.body()});
  return out;
}
Outcome get_task(Exchange& ex) {
  return ok(ex.service.get_task(core::TaskId{id_param(ex)}));
}
Outcome task_action(Exchange& ex) {
  return ok(ex.service.task_action(*ex.user, core::TaskId{id_param(ex)}, action_of(ex),
                                   body_json(ex), ex.now));
}

Outcome compose(Exchange& ex) {
  return ok(ex.service.compose(core::TaskId{id_param(ex)}, ex.query, ex.now));
}

Outcome salesforce_status(Exchange& ex) {
  return ok(ex.service.salesforce_status());
}

Outcome list_sequences(Exchange& ex) {
  return ok(ex.service.list_sequences());
}
Outcome apply_sequence(Exchange& ex) {
  body_json(ex);  // a body that is not JSON at all is bad_json, not a list of rule errors
  return ok(ex.service.apply_sequence(ex.request.body(), ex.now));
}
Outcome get_sequence(Exchange& ex) {
  return ok(ex.service.get_sequence(ex.params.at("id")));
}
Outcome sequence_versions(Exchange& ex) {
  return ok(ex.service.sequence_versions(ex.params.at("id")));
}

Outcome enroll(Exchange& ex) {
  return ok(ex.service.enroll(*ex.user, body_json(ex), ex.now));
}
Outcome enroll_csv(Exchange& ex) {
  return ok(ex.service.enroll_csv(*ex.user, ex.query, ex.request.body(), ex.now));
}
Outcome enrollment_action(Exchange& ex) {
  return ok(ex.service.enrollment_action(core::EnrollmentId{id_param(ex)}, action_of(ex),
                                         body_json(ex), ex.now));
}

Outcome search_prospects(Exchange& ex) {
  return ok(ex.service.search_prospects(ex.query));
}
Outcome prospect_timeline(Exchange& ex) {
  return ok(ex.service.prospect_timeline(core::ProspectId{id_param(ex)}));
}

// The live feed: after Last-Event-ID (header, else ?last_event_id=), else only new events.
Outcome feed(Exchange& ex) {
  std::int64_t after = -1;
  std::string given;
  if (auto h = ex.request.find("Last-Event-ID"); h != ex.request.end())
    given = std::string(h->value());
  else if (auto q = ex.query.find("last_event_id"); q != ex.query.end())
    given = q->second;
  if (!given.empty()) {
    auto [end, ec] = std::from_chars(given.data(), given.data() + given.size(), after);
    if (ec != std::errc() || end != given.data() + given.size() || after < 0)
      throw ApiError(400, "bad_request", "Last-Event-ID: '" + given + "' is not a whole number");
  } else {
    after = ex.service.last_event_id();
  }
  Response res{bhttp::status::ok, 11};
  res.set(bhttp::field::content_type, "text/event-stream; charset=utf-8");
  res.set(bhttp::field::cache_control, "no-store");
  res.set("X-Accel-Buffering", "no");  // a reverse proxy must not hold events back
  return {std::move(res), after};
}

// --- tracking --------------------------------------------------------------------------------

// The smallest transparent GIF: 1x1, one transparent colour (43 bytes).
constexpr unsigned char kPixel[] = {
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,
    0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b};
static_assert(sizeof(kPixel) == 43);

Outcome tracking_reply(const TrackingReply& reply) {
  Response res{bhttp::status::ok, 11};
  // Every answer depends on the token and records a hit: never cached anywhere.
  res.set(bhttp::field::cache_control, "no-store, max-age=0");
  switch (reply.kind) {
    case TrackingReply::Kind::pixel:
      res.set(bhttp::field::content_type, "image/gif");
      res.body().assign(reinterpret_cast<const char*>(kPixel), sizeof(kPixel));
      break;
    case TrackingReply::Kind::redirect:
      res.result(bhttp::status::found);
      res.set(bhttp::field::location, reply.location);
      res.set("Referrer-Policy", "no-referrer");
      break;
    case TrackingReply::Kind::page:
      res.set(bhttp::field::content_type, "text/html; charset=utf-8");
      res.body() = reply.html;
      break;
    case TrackingReply::Kind::gone: {
      auto error = error_response(404, "not_found", "this link is not valid or has expired");
      error.set(bhttp::field::cache_control, "no-store, max-age=0");
      if (!reply.html.empty()) {
        error.set(bhttp::field::content_type, "text/html; charset=utf-8");
        error.body() = reply.html;
      }
      return {std::move(error), std::nullopt};
    }
  }
  return {std::move(res), std::nullopt};
}

// An open or a click: a bad token is answered at once; a good one is answered after the
// server's group commit has recorded it (or found its step gone).
Outcome record_then_reply(Exchange& ex, std::optional<TrackingRequest> request) {
  if (!request) return tracking_reply(TrackingReply{TrackingReply::Kind::gone, {}, {}});
  Outcome out;
  out.deferred = [recorder = ex.recorder, request = std::move(*request)](Reply reply) mutable {
    recorder->submit(std::move(request.pending),
                     [answer = std::move(request.reply), reply](std::optional<bool> recorded) {
                       if (!recorded)
                         return reply(error_response(500, "internal", "internal error"));
                       reply(tracking_reply(*recorded ? answer
                                                      : TrackingReply{TrackingReply::Kind::gone,
                                                                      {}, {}})
                                 .response);
                     });
  };
  return out;
}

Outcome open_pixel(Exchange& ex) {
  return record_then_reply(ex, ex.service.read_open(ex.params.at("token"), ex.hit, ex.now));
}
Outcome click(Exchange& ex) {
  return record_then_reply(ex, ex.service.read_click(ex.params.at("token"), ex.hit, ex.now));
}
Outcome unsubscribe_page(Exchange& ex) {
  return tracking_reply(ex.service.unsubscribe_page(ex.params.at("token"), ex.now));
}
Outcome unsubscribe(Exchange& ex) {
  return tracking_reply(ex.service.unsubscribe(ex.params.at("token"), ex.hit, ex.now));
}

// --- the command center ------------------------------------------------------------------------

Outcome index_page(Exchange& ex) {
  return {static_file(ex.options.static_dir, "index.html"), {}};
}
Outcome app_file(Exchange& ex) {
  return {static_file(ex.options.static_dir, ex.params.at("path")), std::nullopt};
}

std::vector<Route> make_routes() {
  using bhttp::verb;
  std::vector<Route> r = {
      {verb::get, "/healthz", false, healthz},
      {verb::get, "/metrics", false, metrics},
      {verb::get, "/api/v1/me", true, me},
      {verb::get, "/api/v1/tasks", true, list_tasks},
      {verb::get, "/api/v1/tasks/{id}", true, get_task},
  };
  r.push_back({verb::get, "/api/v1/tasks/{id}/compose", true, compose});
  r.push_back({verb::get, "/api/v1/sync/salesforce", true, salesforce_status});
  for (const char* action : {"complete", "skip", "snooze", "reassign"})
    r.push_back({verb::post, std::string("/api/v1/tasks/{id}/") + action, true, task_action});
  r.insert(r.end(), {
                        {verb::get, "/api/v1/sequences", true, list_sequences},
                        {verb::post, "/api/v1/sequences", true, apply_sequence},
                        {verb::get, "/api/v1/sequences/{id}", true, get_sequence},
                        {verb::get, "/api/v1/sequences/{id}/versions", true, sequence_versions},
                        {verb::post, "/api/v1/enrollments", true, enroll},
                        {verb::post, "/api/v1/enrollments/csv", true, enroll_csv},
                    });
  for (const char* action : {"pause", "resume", "exit"})
    r.push_back(
        {verb::post, std::string("/api/v1/enrollments/{id}/") + action, true, enrollment_action});
  r.insert(r.end(), {
                        {verb::get, "/api/v1/prospects", true, search_prospects},
                        {verb::get, "/api/v1/prospects/{id}/timeline", true, prospect_timeline},
                        {verb::get, "/api/v1/feed", true, feed},
                        {verb::get, "/o/{token}", false, open_pixel},
                        {verb::get, "/c/{token}", false, click},
                        {verb::get, "/u/{token}", false, unsubscribe_page},
                        {verb::post, "/u/{token}", false, unsubscribe},
                        {verb::get, "/", false, index_page},
                        {verb::get, "/app/{*path}", false, app_file},
                    });
  return r;
}

}  // namespace

const std::vector<Route>& routes() {
  static const std::vector<Route> table = make_routes();
  return table;
}

Response json_response(unsigned status, const Json& body) {
  return json_text_response(status, body.dump());
}

Response json_text_response(unsigned status, std::string body) {
  Response res{static_cast<bhttp::status>(status), 11};
  res.set(bhttp::field::content_type, "application/json; charset=utf-8");
  res.body() = std::move(body);
  return res;
}

Response error_response(unsigned status, std::string_view code, std::string_view message,
                        const Json& details) {
  Json error = {{"code", code}, {"message", message}};
  if (!details.is_null()) error["details"] = details;
  return json_response(status, {{"error", std::move(error)}});
}

}  // namespace touchpoint::bridge::http

namespace touchpoint::bridge {

std::vector<RouteInfo> route_table() {
  std::vector<RouteInfo> out;
  for (const auto& r : http::routes())
    out.push_back({std::string(boost::beast::http::to_string(r.method)), r.pattern, r.auth});
  return out;
}

}  // namespace touchpoint::bridge
