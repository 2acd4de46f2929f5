#include <touchpoint/salesforce/settings.hpp>

#include <cstdlib>

#include <touchpoint/core/ascii.hpp>

namespace touchpoint::salesforce {
namespace {

tl::unexpected<core::Error> bad(const std::string& key, const std::string& message) {
  return core::fail(core::ErrorCode::invalid_input, "salesforce." + key + ": " + message);
}

}  // namespace

const char* to_string(Flow flow) noexcept {
  switch (flow) {
    case Flow::refresh_token:
      return "refresh_token";
    case Flow::jwt_bearer:
      return "jwt_bearer";
    case Flow::client_credentials:
      return "client_credentials";
  }
  return "refresh_token";
}

core::Result<Settings> parse_settings(const nlohmann::json& section) {
  if (!section.is_object())
    return core::fail(core::ErrorCode::invalid_input, "salesforce: must be an object");
  Settings s;
  std::optional<core::Error> error;
  auto text = [&](const char* key, std::string& target) {
    if (error) return;
    auto it = section.find(key);
    if (it == section.end() || it->is_null()) return;
    if (!it->is_string()) {
      error = bad(key, "must be a string").value();
      return;
    }
    target = it->get<std::string>();
  };
  auto whole = [&](const char* key, int& target, int min, int max) {
    if (error) return;
    auto it = section.find(key);
    if (it == section.end() || it->is_null()) return;
    if (!it->is_number_integer() || it->get<long long>() < min || it->get<long long>() > max) {
      error = bad(key, "must be a whole number from " + std::to_string(min) + " to " +
                           std::to_string(max))
                  .value();
      return;
    }
    target = static_cast<int>(it->get<long long>());
  };
  text("login_url", s.login_url);
  text("api_version", s.api_version);
  std::string flow = "refresh_token";
  text("flow", flow);
  text("client_id", s.client_id);
  text("client_secret_env", s.client_secret_env);
  text("refresh_token_env", s.refresh_token_env);
  text("username", s.username);
  text("private_key_file", s.private_key_file);
  text("ca_file", s.ca_file);
  text("external_id_field", s.external_id_field);
  whole("concurrency", s.concurrency, 1, 32);
  whole("timeout_seconds", s.timeout_seconds, 1, 600);
  whole("overlap_seconds", s.overlap_seconds, 0, 86'400);
  whole("max_attempts", s.max_attempts, 1, 100);
  whole("backoff_ms", s.backoff_ms, 0, 600'000);
  whole("sync_interval_seconds", s.sync_interval_seconds, 0, 86'400);
  if (error) return tl::unexpected(*error);
  if (auto it = section.find("budget_share"); it != section.end() && !it->is_null()) {
    if (!it->is_number() || it->get<double>() <= 0 || it->get<double>() > 1)
      return bad("budget_share", "must be a number above 0 and at most 1");
    s.budget_share = it->get<double>();
  }

  if (s.login_url.rfind("https://", 0) != 0 && s.login_url.rfind("http://", 0) != 0)
    return bad("login_url", "must be an https:// URL");
  while (!s.login_url.empty() && s.login_url.back() == '/') s.login_url.pop_back();
  if (s.api_version.size() < 2 || s.api_version[0] != 'v' ||
      s.api_version.find_first_not_of("0123456789.", 1) != std::string::npos)
    return bad("api_version", "must look like \"v62.0\"");
  if (s.external_id_field.empty() ||
      s.external_id_field.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != std::string::npos)
    return bad("external_id_field", "must be a field API name like Touchpoint_Id__c");
  if (s.client_id.empty()) return bad("client_id", "is required");

  if (flow == "refresh_token") {
    s.flow = Flow::refresh_token;
    if (s.refresh_token_env.empty())
      return bad("refresh_token_env", "is required with flow refresh_token");
  } else if (flow == "jwt_bearer") {
    s.flow = Flow::jwt_bearer;
    if (s.username.empty()) return bad("username", "is required with flow jwt_bearer");
    if (s.private_key_file.empty())
      return bad("private_key_file", "is required with flow jwt_bearer");
  } else if (flow == "client_credentials") {
    s.flow = Flow::client_credentials;
    if (s.client_secret_env.empty())
      return bad("client_secret_env", "is required with flow client_credentials");
  } else {
    return bad("flow", "must be refresh_token, jwt_bearer or client_credentials");
  }

  if (auto it = section.find("users"); it != section.end() && !it->is_null()) {
    if (!it->is_object()) return bad("users", "must map rep emails to Salesforce user ids");
    for (const auto& [email, id] : it->items()) {
      if (!id.is_string() || id.get<std::string>().empty())
        return bad("users." + email, "must be a Salesforce user id");
      s.users[core::lower_ascii(email)] = id.get<std::string>();
    }
  }
  return s;
}

core::Result<Secrets> load_secrets(const Settings& settings) {
  Secrets secrets;
  auto read = [](const std::string& key, const std::string& variable,
                 Secret& target) -> std::optional<core::Error> {
    if (variable.empty()) return std::nullopt;
    const char* value = std::getenv(variable.c_str());
    if (!value || !*value)
      return core::Error{
          core::ErrorCode::invalid_input,
          "salesforce." + key + ": the environment variable " + variable + " is not set"};
    target = Secret(value);
    return std::nullopt;
  };
  if (auto e = read("client_secret_env", settings.client_secret_env, secrets.client_secret))
    return tl::unexpected(*e);
  if (settings.flow == Flow::refresh_token)
    if (auto e = read("refresh_token_env", settings.refresh_token_env, secrets.refresh_token))
      return tl::unexpected(*e);
  return secrets;
}

}  // namespace touchpoint::salesforce
