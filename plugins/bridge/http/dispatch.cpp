#include "dispatch.hpp"

#include <algorithm>
#include <charconv>
#include <iostream>
#include <unordered_map>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/url/parse.hpp>

#include <touchpoint/core/ascii.hpp>

namespace touchpoint::bridge::http {
namespace asio = boost::asio;
namespace {

// Every GET route answers HEAD too.
void add_head(std::vector<std::string>& methods) {
  if (std::find(methods.begin(), methods.end(), "GET") != methods.end() &&
      std::find(methods.begin(), methods.end(), "HEAD") == methods.end())
    methods.insert(std::find(methods.begin(), methods.end(), "GET") + 1, "HEAD");
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
  if (value.size() <= scheme.size() || !core::starts_with_lower(value, scheme)) return {};
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

// Routes that write through the worker's store: the POSTs (tracking hits go to the
// HitRecorder).
bool writes(const Route& route) {
  return route.method == bhttp::verb::post;
}

// An address as IPv6 (IPv4 as IPv4-mapped), so one list of ranges covers both families.
std::optional<asio::ip::address_v6> as_v6(std::string_view text) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(text, ec);
  if (ec) return std::nullopt;
  if (address.is_v4()) return asio::ip::make_address_v6(asio::ip::v4_mapped, address.to_v4());
  return address.to_v6();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Dispatcher::Dispatcher(const ServerOptions& options, Metrics& metrics, HitRecorder& recorder)
    : options_(options), metrics_(metrics), recorder_(recorder) {
  for (const auto& r : routes()) router_.add(std::string(bhttp::to_string(r.method)), r.pattern);
  for (std::size_t i = 0; i < options_.trusted_proxies.size(); ++i) {
    const auto& entry = options_.trusted_proxies[i];
    auto slash = entry.find('/');
    auto address = as_v6(std::string_view(entry).substr(0, slash));
    bool v4 = entry.find(':') == std::string::npos;
    int bits = v4 ? 32 : 128;
    bool good = address.has_value();
    if (good && slash != std::string::npos) {
      auto digits = std::string_view(entry).substr(slash + 1);
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
      good = ec == std::errc() && end == digits.data() + digits.size() && !digits.empty() &&
             bits >= 0 && bits <= (v4 ? 32 : 128);
    }
    if (!good)
      throw std::runtime_error("trusted_proxies[" + std::to_string(i) + "]: '" + entry +
                               "' is not an IP address or a CIDR range like 10.0.0.0/8");
    asio::ip::network_v6 network(*address, static_cast<unsigned short>(bits + (v4 ? 96 : 0)));
    trusted_.push_back(network.canonical());
  }
}

bool Dispatcher::trusted_proxy(const std::string& address) const {
  if (trusted_.empty()) return false;
  auto a = as_v6(address);
  if (!a) return false;
  asio::ip::network_v6 host(*a, 128);
  return std::any_of(trusted_.begin(), trusted_.end(), [&](const asio::ip::network_v6& n) {
    return host == n || host.is_subnet_of(n);
  });
}

std::string Dispatcher::client_address(const Request& request,
                                       const std::string& peer_address) const {
  if (!trusted_proxy(peer_address)) return peer_address;
  // Every X-Forwarded-For field, in order, as one list; each proxy appends its peer.
  std::vector<std::string_view> hops;
  auto [first, last] = request.equal_range("X-Forwarded-For");
  for (auto field = first; field != last; ++field) {
    auto value = std::string_view(field->value());
    std::size_t start = 0;
    while (start <= value.size()) {
      auto comma = value.find(',', start);
      if (comma == std::string_view::npos) comma = value.size();
      hops.push_back(trim(value.substr(start, comma - start)));
      start = comma + 1;
    }
  }
  // From the nearest hop back: the first one not ours is the client. A hop that is not an
  // address ends the walk (what lies before it cannot be trusted).
  std::string client = peer_address;
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    auto hop = std::string(*it);
    if (!as_v6(hop)) break;
    client = hop;
    if (!trusted_proxy(hop)) break;
  }
  return client;
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
                           const std::string& peer_address) {
  auto started = std::chrono::steady_clock::now();
  std::size_t route_index = Metrics::kUnmatched;
  Outcome out = route(request, service, client_address(request, peer_address), route_index);
  std::string origin;
  if (auto o = request.find(bhttp::field::origin); o != request.end())
    origin = std::string(o->value());
  if (out.deferred) {
    // The answer comes later: CORS and the metrics then, on whatever thread it comes.
    out.deferred = [this, inner = std::move(out.deferred), origin, route_index,
                    started](Reply reply) {
      inner([this, reply = std::move(reply), origin, route_index, started](Response res) {
        add_cors(origin, res);
        metrics_.record(route_index, res.result_int(), std::chrono::steady_clock::now() - started);
        reply(std::move(res));
      });
    };
    return out;
  }
  add_cors(origin, out.response);
  metrics_.record(route_index, out.response.result_int(),
                  std::chrono::steady_clock::now() - started);
  return out;
}

Outcome Dispatcher::route(const Request& request, Service& service,
                          const std::string& remote_address, std::size_t& route_index) {
  auto target = boost::urls::parse_origin_form(request.target());
  if (!target) return {error_response(400, "bad_request", "the request target is not a path"), {}};
  std::vector<std::string> segments;
  for (auto s : target->segments()) segments.push_back(s);
  if (segments.size() == 1 && segments[0].empty()) segments.clear();  // "/"

  auto method = std::string(request.method_string());
  // HEAD is GET without the body; the session leaves the body out.
  auto routed_method = request.method() == bhttp::verb::head ? std::string("GET") : method;
  if (request.method() == bhttp::verb::options) {
    // CORS preflight: the methods this path answers, to configured origins only.
    auto found = router_.match("", segments);
    if (found.allowed.empty())
      return {error_response(404, "not_found", "no route for " + std::string(target->path())), {}};
    Response res{bhttp::status::no_content, request.version()};
    add_head(found.allowed);
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

  auto match = router_.match(routed_method, segments);
  add_head(match.allowed);
  if (match.kind == Router::Match::Kind::not_found)
    return {error_response(404, "not_found", "no route for " + std::string(target->path())), {}};
  if (match.kind == Router::Match::Kind::method_not_allowed) {
    auto res =
        error_response(405, "method_not_allowed",
                       method + " is not allowed here; allowed: " + join(match.allowed, ", "));
    res.set(bhttp::field::allow, join(match.allowed, ", "));
    return {std::move(res), {}};
  }
  route_index = match.route;
  const Route& route = routes()[match.route];

  Query query;
  for (auto p : target->params()) query.insert_or_assign(p.key, p.has_value ? p.value : "");

  try {
    Exchange ex{
        request,  match.params, query, service,           options_,
        metrics_, std::nullopt, Hit{}, core::clock_now(), &recorder_,
    };
    if (auto ua = request.find(bhttp::field::user_agent); ua != request.end())
      ex.hit.user_agent = std::string(ua->value());
    ex.hit.remote_address = remote_address;
    ex.hit.head = request.method() == bhttp::verb::head;
    if (route.auth) {
      std::string token(bearer_token(request));
      // EventSource cannot set headers: the feed also takes ?access_token=.
      if (token.empty() && route.pattern == "/api/v1/feed")
        if (auto q = query.find("access_token"); q != query.end()) token = q->second;
      if (token.empty()) {
        auto res = error_response(401, "unauthorized",
                                  "missing bearer token (Authorization: Bearer <token>)");
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
