#pragma once
// The Salesforce REST API as the sync uses it: OAuth 2.0 (refresh token, JWT bearer signed
// RS256, client credentials), one access token shared by every caller with single-flight
// refresh, one refresh and replay on INVALID_SESSION_ID (never on other 401s), backoff on
// REQUEST_LIMIT_EXCEEDED and 5xx, and the daily budget read from Sforce-Limit-Info.
//
// Thread-safety: call() may be used from several threads at once (each borrows its own HTTP
// client from a pool); the token and the usage figures are guarded.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <touchpoint/http/client.hpp>
#include <touchpoint/salesforce/settings.hpp>

namespace touchpoint::salesforce {

// How a failed call should be treated (STYLE.md: transient, permanent, auth).
enum class FailureClass { transient, permanent, auth };
const char* to_string(FailureClass c) noexcept;

struct ApiError : std::runtime_error {
  ApiError(FailureClass cls_, std::string code_, const std::string& message)
      : std::runtime_error(message), cls(cls_), code(std::move(code_)) {}
  FailureClass cls;
  std::string code;  // Salesforce's errorCode ("REQUEST_LIMIT_EXCEEDED"), or ours
};

struct Token {
  std::string access_token;
  std::string instance_url;
};

// API usage from the last Sforce-Limit-Info header: "api-usage=N/M".
struct Usage {
  long long used = 0;
  long long limit = 0;
};

struct ApiCounters {
  std::atomic<long long> calls{0};           // data calls sent (replays and retries included)
  std::atomic<long long> token_requests{0};
  std::atomic<long long> replays{0};         // after INVALID_SESSION_ID
  std::atomic<long long> backoffs{0};
};

class Api {
 public:
  // `token` is a stored token to start from (empty: one is requested on the first call).
  Api(Settings settings, Secrets secrets, std::optional<Token> token = std::nullopt);
  ~Api();

  // Sends a data call: `path` is "/services/data/..." (or a full URL), `body` JSON or empty.
  // Returns the parsed JSON of a 2xx response. Throws ApiError after the retries.
  nlohmann::json call(const std::string& method, const std::string& path,
                      const std::string& body = "");
  // "/services/data/v62.0"
  std::string data_path() const;

  // Requests a new token now (also what call() does when it needs one). Throws ApiError(auth).
  Token refresh();
  // The token in use, if any.
  std::optional<Token> token() const;
  // True once, after the token changed: the caller may then store it.
  bool take_token_changed();

  Usage usage() const;
  // True once the used share of the daily budget reached settings.budget_share.
  bool budget_spent() const;
  const ApiCounters& counters() const { return counters_; }
  const Settings& settings() const { return settings_; }

 private:
  Token current_token();
  void refresh_after(const std::string& stale);
  Token request_token();
  http::Response send(const http::Request& request);
  void note_usage(const http::Response& response);

  Settings settings_;
  Secrets secrets_;
  mutable std::mutex token_mutex_;  // held during a refresh: single flight
  std::optional<Token> token_;
  bool token_changed_ = false;
  mutable std::mutex usage_mutex_;
  Usage usage_;
  std::mutex clients_mutex_;
  std::vector<std::unique_ptr<http::Client>> idle_clients_;
  ApiCounters counters_;
};

// An RS256 JWT (RFC 7519) with the claims Salesforce's JWT bearer flow reads: iss = client id,
// sub = username, aud = login URL, exp = now + 3 minutes. Throws ApiError(auth) naming the key
// file when it cannot be read or used.
std::string jwt_assertion(const Settings& settings, std::int64_t now_seconds);

}  // namespace touchpoint::salesforce
