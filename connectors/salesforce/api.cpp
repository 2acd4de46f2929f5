#include <touchpoint/salesforce/api.hpp>

#include <chrono>
#include <random>
#include <thread>

namespace touchpoint::salesforce {

const char* to_string(FailureClass c) noexcept {
  switch (c) {
    case FailureClass::transient: return "transient";
    case FailureClass::permanent: return "permanent";
    case FailureClass::auth: return "auth";
  }
  return "permanent";
}

namespace {

// {errorCode, message} of an error response: REST errors are [{"message", "errorCode"}],
// OAuth errors {"error", "error_description"}.
std::pair<std::string, std::string> error_of(const http::Response& r) {
  auto doc = nlohmann::json::parse(r.body, nullptr, false);
  if (doc.is_array() && !doc.empty() && doc[0].is_object())
    return {doc[0].value("errorCode", ""), doc[0].value("message", "")};
  if (doc.is_object() && doc.contains("error"))
    return {doc.value("error", ""), doc.value("error_description", "")};
  return {"HTTP_" + std::to_string(r.status), r.body.substr(0, 200)};
}

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += http::url_encode(k) + "=" + http::url_encode(v);
  }
  return out;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Api::Api(Settings settings, Secrets secrets, std::optional<Token> token)
    : settings_(std::move(settings)), secrets_(std::move(secrets)), token_(std::move(token)) {}

Api::~Api() = default;

std::string Api::data_path() const { return "/services/data/" + settings_.api_version; }

http::Response Api::send(const http::Request& request) {
  std::unique_ptr<http::Client> client;
  {
    std::lock_guard lock(clients_mutex_);
    if (!idle_clients_.empty()) {
      client = std::move(idle_clients_.back());
      idle_clients_.pop_back();
    }
  }
  if (!client) {
    http::ClientOptions options;
    options.timeout = std::chrono::seconds(settings_.timeout_seconds);
    options.ca_file = settings_.ca_file;
    client = std::make_unique<http::Client>(options);
  }
  auto response = client->request(request);  // a failed client is dropped with its connections
  std::lock_guard lock(clients_mutex_);
  idle_clients_.push_back(std::move(client));
  return response;
}

Token Api::request_token() {
  std::vector<std::pair<std::string, std::string>> fields;
  switch (settings_.flow) {
    case Flow::refresh_token:
      fields = {{"grant_type", "refresh_token"},
                {"client_id", settings_.client_id},
                {"refresh_token", secrets_.refresh_token.reveal()}};
      if (!secrets_.client_secret.empty())
        fields.push_back({"client_secret", secrets_.client_secret.reveal()});
      break;
    case Flow::jwt_bearer:
      fields = {{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
                {"assertion", jwt_assertion(settings_, unix_now())}};
      break;
    case Flow::client_credentials:
      fields = {{"grant_type", "client_credentials"},
                {"client_id", settings_.client_id},
                {"client_secret", secrets_.client_secret.reveal()}};
      break;
  }
  http::Request request{"POST",
                        settings_.login_url + "/services/oauth2/token",
                        {{"Content-Type", "application/x-www-form-urlencoded"},
                         {"Accept", "application/json"}},
                        form(fields)};
  ++counters_.token_requests;
  http::Response r;
  try {
    r = send(request);
  } catch (const http::Failure& f) {
    throw ApiError(f.transient() ? FailureClass::transient : FailureClass::permanent, "HTTP",
                   std::string("token request: ") + f.what());
  }
  if (r.status != 200) {
    auto [code, message] = error_of(r);
    auto cls = r.status >= 500 ? FailureClass::transient : FailureClass::auth;
    throw ApiError(cls, code, "token request (" + std::string(to_string(settings_.flow)) +
                                  ") refused: " + code + ": " + message);
  }
  auto doc = nlohmann::json::parse(r.body, nullptr, false);
  if (!doc.is_object() || !doc.contains("access_token") || !doc.contains("instance_url"))
    throw ApiError(FailureClass::auth, "INVALID_TOKEN_RESPONSE",
                   "token response without access_token or instance_url");
  Token t{doc["access_token"].get<std::string>(), doc["instance_url"].get<std::string>()};
  while (!t.instance_url.empty() && t.instance_url.back() == '/') t.instance_url.pop_back();
  return t;
}

Token Api::current_token() {
  std::lock_guard lock(token_mutex_);
  if (!token_) {
    token_ = request_token();
    token_changed_ = true;
  }
  return *token_;
}

// Single flight: the first caller to see a token rejected refreshes it while holding the lock;
// the others wait, then find a different token and use it.
void Api::refresh_after(const std::string& stale) {
  std::lock_guard lock(token_mutex_);
  if (token_ && token_->access_token != stale) return;
  token_.reset();
  token_ = request_token();
  token_changed_ = true;
}

Token Api::refresh() {
  std::lock_guard lock(token_mutex_);
  token_ = request_token();
  token_changed_ = true;
  return *token_;
}

std::optional<Token> Api::token() const {
  std::lock_guard lock(token_mutex_);
  return token_;
}

bool Api::take_token_changed() {
  std::lock_guard lock(token_mutex_);
  return std::exchange(token_changed_, false);
}

void Api::note_usage(const http::Response& response) {
  auto info = response.header("Sforce-Limit-Info");
  auto at = info.find("api-usage=");
  if (at == std::string::npos) return;
  long long used = 0, limit = 0;
  if (std::sscanf(info.c_str() + at, "api-usage=%lld/%lld", &used, &limit) != 2) return;
  std::lock_guard lock(usage_mutex_);
  usage_ = {used, limit};
}

Usage Api::usage() const {
  std::lock_guard lock(usage_mutex_);
  return usage_;
}

bool Api::budget_spent() const {
  auto u = usage();
  return u.limit > 0 &&
         static_cast<double>(u.used) >= settings_.budget_share * static_cast<double>(u.limit);
}

nlohmann::json Api::call(const std::string& method, const std::string& path,
                         const std::string& body) {
  bool replayed = false;
  int attempt = 0;
  std::mt19937 jitter(std::random_device{}());
  auto back_off = [&](const std::string& code, const std::string& message,
                      const std::string& retry_after) {
    if (++attempt >= settings_.max_attempts)
      throw ApiError(FailureClass::transient, code,
                     code + ": " + message + " (after " + std::to_string(attempt) + " tries)");
    ++counters_.backoffs;
    // Exponential from backoff_ms, at most a minute, with up to 25% jitter; Retry-After wins.
    long long ms = static_cast<long long>(settings_.backoff_ms) << std::min(attempt - 1, 10);
    ms = std::min(ms, 60'000LL);
    ms += ms > 3 ? static_cast<long long>(jitter() % static_cast<unsigned>(ms / 4 + 1)) : 0;
    if (!retry_after.empty() && retry_after.find_first_not_of("0123456789") == std::string::npos)
      ms = std::min(std::stoll(retry_after) * 1000, 60'000LL);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  };
  for (;;) {
    Token token = current_token();
    http::Request request{method,
                          path.rfind("http", 0) == 0 ? path : token.instance_url + path,
                          {{"Authorization", "Bearer " + token.access_token},
                           {"Accept", "application/json"}},
                          body};
    if (!body.empty()) request.headers.push_back({"Content-Type", "application/json"});
    ++counters_.calls;
    http::Response r;
    try {
      r = send(request);
    } catch (const http::Failure& f) {
      if (!f.transient()) throw ApiError(FailureClass::permanent, "HTTP", f.what());
      back_off("HTTP", f.what(), "");
      continue;
    }
    note_usage(r);
    if (r.status / 100 == 2) {
      if (r.body.empty()) return nlohmann::json();
      auto doc = nlohmann::json::parse(r.body, nullptr, false);
      if (doc.is_discarded())
        throw ApiError(FailureClass::permanent, "JSON", "the response is not JSON");
      return doc;
    }
    auto [code, message] = error_of(r);
    // An expired session: refresh once and replay. Other 401s are policy: no refresh.
    if (r.status == 401 && code == "INVALID_SESSION_ID" && !replayed) {
      replayed = true;
      ++counters_.replays;
      refresh_after(token.access_token);
      continue;
    }
    if (r.status == 401) throw ApiError(FailureClass::auth, code, code + ": " + message);
    if ((r.status == 403 && code == "REQUEST_LIMIT_EXCEEDED") || r.status >= 500 ||
        code == "UNABLE_TO_LOCK_ROW") {
      back_off(code, message, r.header("Retry-After"));
      continue;
    }
    throw ApiError(FailureClass::permanent, code,
                   "HTTP " + std::to_string(r.status) + " " + code + ": " + message);
  }
}

}  // namespace touchpoint::salesforce
