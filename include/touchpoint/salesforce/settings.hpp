#pragma once
// The "salesforce" section of the configuration (DESIGN.md §7). Secrets are named by *_env
// keys and read from the environment only when a sync runs; they never appear in output.

#include <chrono>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include <touchpoint/core/result.hpp>

namespace touchpoint::salesforce {

// A secret value: no operator<<, no JSON conversion, so it cannot be printed by accident.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

 private:
  std::string value_;
};

enum class Flow { refresh_token, jwt_bearer, client_credentials };
const char* to_string(Flow flow) noexcept;

struct Settings {
  std::string login_url = "https://login.salesforce.com";
  std::string api_version = "v62.0";
  Flow flow = Flow::refresh_token;
  std::string client_id;
  std::string client_secret_env;  // names of environment variables, never their values
  std::string refresh_token_env;
  std::string username;           // jwt_bearer: the `sub` claim
  std::string private_key_file;   // jwt_bearer: PEM RSA key that signs the assertion
  std::string ca_file;            // trust this PEM bundle instead of the system store
  std::string external_id_field = "Touchpoint_Id__c";
  std::map<std::string, std::string> users;  // rep email (lower case) -> Salesforce User Id
  // Tuning (all optional): stop pushing once this share of the daily API budget is used
  // (read from Sforce-Limit-Info); parallel upsert calls; per-request timeout; how far back a
  // pull re-reads before its cursor; tries of a retryable record or call; the first backoff.
  double budget_share = 0.9;
  int concurrency = 4;
  int timeout_seconds = 30;
  int overlap_seconds = 300;
  int max_attempts = 5;
  int backoff_ms = 1000;
  // `serve` pushes and pulls every this many seconds (0: never; `sync salesforce` still does).
  int sync_interval_seconds = 60;
};

// The secrets a flow needs, read from the environment.
struct Secrets {
  Secret client_secret;
  Secret refresh_token;
};

// Reads the section. Errors name the key ("salesforce.flow: must be one of ...").
core::Result<Settings> parse_settings(const nlohmann::json& section);

// Reads the flow's secrets from the variables the settings name; an error names the key and
// the variable (never a value) when one is missing.
core::Result<Secrets> load_secrets(const Settings& settings);

}  // namespace touchpoint::salesforce
