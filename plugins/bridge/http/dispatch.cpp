#include "dispatch.hpp"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <unordered_map>

#include <boost/beast/http/field.hpp>
#include <boost/url/parse.hpp>

namespace touchpoint::bridge::http {
namespace {

core::Timestamp clock_now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : std::string(sep)) + i;
  return out;
}

// The token of "Authorization: Bearer <token>" (scheme case-insensitive); empty when absent.
std::string_view bearer_token(const Request& request) {
  auto h = request.find(bhttp::field::authorization);
  if (h == request.end()) return {};
  auto value = std::string_view(h->value());
  constexpr std::string_view scheme = "bearer ";
  if (value.size() <= scheme.size()) return {};
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(value[i])) != scheme[i]) return {};
  value.remove_prefix(scheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return value;
}

// Bearer tokens already seen by this worker thread (so by this thread's Service), for a few
// seconds: saves a SHA-256 and a query on every request of a busy client. A revoked token
// keeps working for at most kAuthCacheTtl.
constexpr auto kAuthCacheTtl = std::chrono::seconds(5);
constexpr std::size_t kAuthCacheMax = 1024;
struct CachedUser {
  core::User user;
  std::chrono::steady_clock::time_point until;
};
thread_local std::unordered_map<std::string, CachedUser> auth_cache;

std::optional<core::User> authenticate(Service& service, const std::string& token) {
  auto now = std::chrono::steady_clock::now();
  if (auto it = auth_cache.find(token); it != auth_cache.end()) {
    if (it->second.until > now) return it->second.user;
    auth_cache.erase(it);
  }
  auto user = service.authenticate(token);
  if (user) {
    if (auth_cache.size() >= kAuthCacheMax) auth_cache.clear();
    auth_cache.insert_or_assign(token, CachedUser{*user, now + kAuthCacheTtl});
  }
  return user;
}

// Routes that write to the database: POSTs and the tracking hits.
bool writes(const Route& route) {
  return route.method == bhttp::verb::post || route.pattern.rfind("/o/", 0) == 0 ||
         route.pattern.rfind("/c/", 0) == 0;
}

}  // namespace

Dispatcher::Dispatcher(const ServerOptions& options, Metrics& metrics)
    : options_(options), metrics_(metrics) {
  for (const auto& r : routes()) router_.add(std::string(bhttp::to_string(r.method)), r.pattern);
}

bool Dispatcher::allowed_origin(std::string_view origin) const {
  if (origin.empty()) return false;
  return std::any_of(options_.cors_origins.begin(), options_.cors_origins.end(),
                     [&](const std::string& o) { return o == "*" || o == origin; });
}

void Dispatcher::add_cors(std::string_view origin, Response& response) const {
  if (!allowed_origin(origin)) return;
  response.set(bhttp::field::access_control_allow_origin, origin);
  response.set(bhttp::field::vary, "Origin");
}

Outcome Dispatcher::handle(const Request& request, Service& service,
                           const std::string& remote_address) {
  auto started = std::chrono::steady_clock::now();
  std::size_t route_index = Metrics::kUnmatched;
  Outcome out = route(request, service, remote_address, route_index);
  if (auto origin = request.find(bhttp::field::origin); origin != request.end())
    add_cors(origin->value(), out.response);
  metrics_.record(route_index, out.response.result_int(),
                  std::chrono::steady_clock::now() - started);
  return out;
}

Outcome Dispatcher::route(const Request& request, Service& service,
                          const std::string& remote_address, std::size_t& route_index) {
  auto target = boost::urls::parse_origin_form(request.target());
  if (!target)
    return {error_response(400, "bad_request", "the request target is not a path"), {}};
  std::vector<std::string> segments;
  for (auto s : target->segments()) segments.push_back(s);
  if (segments.size() == 1 && segments[0].empty()) segments.clear();  // "/"

  auto method = std::string(request.method_string());
  if (request.method() == bhttp::verb::options) {
    // CORS preflight: the methods this path answers, to configured origins only.
    auto found = router_.match("", segments);
    if (found.allowed.empty())
      return {error_response(404, "not_found", "no route for " + std::string(target->path())), {}};
    Response res{bhttp::status::no_content, request.version()};
    found.allowed.push_back("OPTIONS");
    res.set(bhttp::field::allow, join(found.allowed, ", "));
    auto origin = request.find(bhttp::field::origin);
    if (origin != request.end() && allowed_origin(origin->value())) {
      res.set(bhttp::field::access_control_allow_methods, join(found.allowed, ", "));
      auto asked = request.find(bhttp::field::access_control_request_headers);
      res.set(bhttp::field::access_control_allow_headers,
              asked != request.end() ? std::string(asked->value())
                                     : std::string("Authorization, Content-Type, Last-Event-ID"));
      res.set(bhttp::field::access_control_max_age, "600");
    }
    return {std::move(res), {}};
  }

  auto match = router_.match(method, segments);
  if (match.kind == Router::Match::Kind::not_found)
    return {error_response(404, "not_found", "no route for " + std::string(target->path())), {}};
  if (match.kind == Router::Match::Kind::method_not_allowed) {
    auto res = error_response(405, "method_not_allowed",
                              method + " is not allowed here; allowed: " + join(match.allowed, ", "));
    res.set(bhttp::field::allow, join(match.allowed, ", "));
    return {std::move(res), {}};
  }
  route_index = match.route;
  const Route& route = routes()[match.route];

  Query query;
  for (auto p : target->params()) query.insert_or_assign(p.key, p.has_value ? p.value : "");

  try {
    Exchange ex{request,
                match.params,
                query,
                service,
                options_,
                metrics_,
                std::nullopt,
                Hit{},
                clock_now()};
    if (auto ua = request.find(bhttp::field::user_agent); ua != request.end())
      ex.hit.user_agent = std::string(ua->value());
    ex.hit.remote_address = remote_address;
    if (route.auth) {
      std::string token(bearer_token(request));
      // EventSource cannot set headers: the feed also takes ?access_token=.
      if (token.empty() && route.pattern == "/api/v1/feed")
        if (auto q = query.find("access_token"); q != query.end()) token = q->second;
      if (token.empty()) {
        auto res = error_response(401, "unauthorized", "missing bearer token (Authorization: Bearer <token>)");
        res.set(bhttp::field::www_authenticate, "Bearer");
        return {std::move(res), {}};
      }
      ex.user = authenticate(service, token);
      if (!ex.user) {
        auto res = error_response(401, "unauthorized", "unknown or revoked token");
        res.set(bhttp::field::www_authenticate, "Bearer error=\"invalid_token\"");
        return {std::move(res), {}};
      }
    }
    if (!writes(route)) return route.handle(ex);
    // One writer at a time among the workers: SQLite takes one anyway, and waiting here costs
    // microseconds where its busy handler sleeps whole milliseconds.
    std::lock_guard lock(write_mutex_);
    return route.handle(ex);
  } catch (const ApiError& e) {
    return {error_response(static_cast<unsigned>(e.status), e.code, e.what(), e.details), {}};
  } catch (const std::exception& e) {
    // An infrastructure fault (the database, the disk): logged here, never shown to clients.
    std::cerr << "bridge: " << method << ' ' << target->path() << ": " << e.what() << '\n';
    return {error_response(500, "internal", "internal error"), {}};
  }
}

}  // namespace touchpoint::bridge::http
