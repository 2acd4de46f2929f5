#include "config.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace touchpoint::app {
namespace {

tl::unexpected<core::Error> bad(const std::filesystem::path& path, const std::string& key,
                                const std::string& message) {
  return core::fail(core::ErrorCode::invalid_input, path.string() + ": " + key + ": " + message);
}

// A string member, "" when absent; an error naming the key when it is not a string.
core::Result<std::string> string_member(const std::filesystem::path& path,
                                        const nlohmann::json& object, const std::string& where,
                                        const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::string();
  if (!it->is_string()) return bad(path, where + "." + key, "must be a string");
  return it->get<std::string>();
}

// A whole-number member from `min` to `max` into `target`, left as it is when absent; an error
// naming `where`.`key` otherwise.
template <typename T>
std::optional<core::Error> whole_member(const std::filesystem::path& path,
                                        const nlohmann::json& object, const std::string& where,
                                        const char* key, long long min, long long max, T& target) {
  auto v = object.find(key);
  if (v == object.end() || v->is_null()) return std::nullopt;
  if (!v->is_number_integer() || v->get<long long>() < min || v->get<long long>() > max)
    return bad(path, where.empty() ? key : where + "." + key,
               "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max))
        .value();
  target = static_cast<T>(v->get<long long>());
  return std::nullopt;
}

// A list of non-empty strings at `key` into `target`, left as it is when absent; an error naming
// the key (`is_not_list`) or the entry, `key[i]` (`bad_entry`), otherwise.
std::optional<core::Error> string_list(const std::filesystem::path& path,
                                       const nlohmann::json& object, const char* key,
                                       const std::string& is_not_list, const std::string& bad_entry,
                                       std::vector<std::string>& target) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_array()) return bad(path, key, is_not_list).value();
  for (std::size_t i = 0; i < it->size(); ++i) {
    const auto& entry = (*it)[i];
    if (!entry.is_string() || entry.get<std::string>().empty())
      return bad(path, std::string(key) + "[" + std::to_string(i) + "]", bad_entry).value();
    target.push_back(entry.get<std::string>());
  }
  return std::nullopt;
}

// `limits`: every key optional. The defaults (core::SendLimits) keep the two common hosted
// mailboxes safe: Gmail / Google Workspace allows 2,000 messages a day; Microsoft 365 allows
// 30 messages a minute and 10,000 recipients a day. Hence per_day 2000, per_minute 30, and
// min_spacing_seconds 2 so that a batch is not sent as one burst.
core::Result<core::SendLimits> read_limits(const std::filesystem::path& path,
                                           const std::string& where, const nlohmann::json& m) {
  core::SendLimits limits;
  auto it = m.find("limits");
  if (it == m.end() || it->is_null()) return limits;
  if (!it->is_object()) return bad(path, where, "must be an object");
  if (auto e = whole_member(path, *it, where, "per_day", 1, 1'000'000, limits.per_day))
    return tl::unexpected(*e);
  if (auto e = whole_member(path, *it, where, "per_minute", 1, 100'000, limits.per_minute))
    return tl::unexpected(*e);
  if (auto e = whole_member(path, *it, where, "min_spacing_seconds", 0, 86'400,
                            limits.min_spacing_seconds))
    return tl::unexpected(*e);
  return limits;
}

// A mail server's settings (`smtp` or `imap`): host, port, tls, username, the password from
// the environment variable `password_env` names, ca_file. Both settings types share these.
template <typename Settings>
core::Result<Settings> read_server(const std::filesystem::path& path, const std::string& at,
                                   const nlohmann::json& server) {
  Settings settings;
  if (!server.is_object()) return bad(path, at, "must be an object");
  auto host = string_member(path, server, at, "host");
  if (!host) return tl::unexpected(host.error());
  if (host->empty()) return bad(path, at + ".host", "is required");
  settings.host = *host;
  if (auto port = server.find("port"); port != server.end()) {
    if (!port->is_number_unsigned() || port->get<unsigned>() == 0 || port->get<unsigned>() > 65535)
      return bad(path, at + ".port", "must be a port number");
    settings.port = static_cast<std::uint16_t>(port->get<unsigned>());
  }
  auto tls = string_member(path, server, at, "tls");
  if (!tls) return tl::unexpected(tls.error());
  if (*tls == "none")
    settings.tls = Settings::Tls::none;
  else if (*tls == "implicit")
    settings.tls = Settings::Tls::implicit;
  else if (*tls == "starttls")
    settings.tls = Settings::Tls::starttls;
  else if (!tls->empty())
    return bad(path, at + ".tls", "'" + *tls + "' is not one of none, starttls, implicit");
  auto username = string_member(path, server, at, "username");
  if (!username) return tl::unexpected(username.error());
  settings.username = *username;
  auto password_env = string_member(path, server, at, "password_env");
  if (!password_env) return tl::unexpected(password_env.error());
  if (!password_env->empty()) {
    const char* secret = std::getenv(password_env->c_str());
    if (!secret)
      return bad(path, at + ".password_env",
                 "the environment variable " + *password_env + " is not set");
    settings.password = secret;
  } else if (!settings.username.empty()) {
    return bad(path, at + ".password_env", "is required with a username");
  }
  auto ca_file = string_member(path, server, at, "ca_file");
  if (!ca_file) return tl::unexpected(ca_file.error());
  if (!ca_file->empty()) settings.ca_file = *ca_file;
  return settings;
}

core::Result<Mailbox> read_mailbox(const std::filesystem::path& path, const std::string& where,
                                   const nlohmann::json& m) {
  if (!m.is_object()) return bad(path, where, "must be an object");
  Mailbox mailbox;
  auto owner = string_member(path, m, where, "owner");
  if (!owner) return tl::unexpected(owner.error());
  if (owner->empty()) return bad(path, where + ".owner", "is required");
  mailbox.owner = *owner;
  auto smtp_it = m.find("smtp");
  if (smtp_it == m.end() || smtp_it->is_null()) return bad(path, where + ".smtp", "is required");
  auto smtp = read_server<mail::SmtpSettings>(path, where + ".smtp", *smtp_it);
  if (!smtp) return tl::unexpected(smtp.error());
  mailbox.smtp = std::move(*smtp);
  // Connections kept open to the submission server; 1 unless set, as a hosted mailbox may
  // refuse more (Gmail allows 15 at once, Microsoft 365 counts them against the account).
  if (auto e = whole_member(path, *smtp_it, where + ".smtp", "connections", 1, 100,
                            mailbox.smtp.connections))
    return tl::unexpected(*e);
  if (auto imap_it = m.find("imap"); imap_it != m.end() && !imap_it->is_null()) {
    auto imap = read_server<mail::ImapSettings>(path, where + ".imap", *imap_it);
    if (!imap) return tl::unexpected(imap.error());
    auto folder = string_member(path, *imap_it, where + ".imap", "folder");
    if (!folder) return tl::unexpected(folder.error());
    if (!folder->empty()) imap->folder = *folder;
    mailbox.imap = std::move(*imap);
  }
  auto limits = read_limits(path, where + ".limits", m);
  if (!limits) return tl::unexpected(limits.error());
  mailbox.limits = *limits;
  return mailbox;
}

// The bridge's keys (`touchpoint serve`).
core::Result<ServeSettings> read_serve(const std::filesystem::path& path,
                                       const nlohmann::json& doc) {
  ServeSettings serve;
  if (auto e = whole_member(path, doc, "", "threads", 1, 256, serve.threads))
    return tl::unexpected(*e);
  if (auto e = string_list(path, doc, "cors_origins", "must be a list of origins",
                           "must be an origin such as \"https://mail.example.com\" or \"*\"",
                           serve.cors_origins))
    return tl::unexpected(*e);
  // Checked as addresses by the server, which names the entry (trusted_proxies[i]).
  if (auto e =
          string_list(path, doc, "trusted_proxies", "must be a list of addresses or CIDR ranges",
                      "must be an address or a CIDR range such as \"127.0.0.1\" or \"10.0.0.0/8\"",
                      serve.trusted_proxies))
    return tl::unexpected(*e);
  if (auto it = doc.find("tls"); it != doc.end() && !it->is_null()) {
    if (!it->is_object()) return bad(path, "tls", "must be an object with cert_file and key_file");
    auto cert = string_member(path, *it, "tls", "cert_file");
    if (!cert) return tl::unexpected(cert.error());
    auto key = string_member(path, *it, "tls", "key_file");
    if (!key) return tl::unexpected(key.error());
    if (cert->empty()) return bad(path, "tls.cert_file", "is required with tls");
    if (key->empty()) return bad(path, "tls.key_file", "is required with tls");
    serve.tls_cert_file = *cert;
    serve.tls_key_file = *key;
  }
  if (auto it = doc.find("limits"); it != doc.end() && !it->is_null()) {
    if (!it->is_object()) return bad(path, "limits", "must be an object");
    if (auto e = whole_member(path, *it, "limits", "body_bytes", 1024, 1LL << 30, serve.body_bytes))
      return tl::unexpected(*e);
    if (auto e =
            whole_member(path, *it, "limits", "header_bytes", 1024, 1LL << 20, serve.header_bytes))
      return tl::unexpected(*e);
    if (auto e = whole_member(path, *it, "limits", "read_timeout_seconds", 1, 3600,
                              serve.read_timeout_seconds))
      return tl::unexpected(*e);
    if (auto e = whole_member(path, *it, "limits", "idle_timeout_seconds", 1, 3600,
                              serve.idle_timeout_seconds))
      return tl::unexpected(*e);
  }
  if (auto it = doc.find("static_dir"); it != doc.end() && !it->is_null()) {
    if (!it->is_string()) return bad(path, "static_dir", "must be a string");
    serve.static_dir = it->get<std::string>();
  }
  return serve;
}

// "engine": {"send_workers", "send_group", "claim_batch"}, every key optional.
core::Result<EngineSettings> read_engine(const std::filesystem::path& path,
                                         const nlohmann::json& doc) {
  EngineSettings engine;
  auto it = doc.find("engine");
  if (it == doc.end() || it->is_null()) return engine;
  if (!it->is_object()) return bad(path, "engine", "must be an object");
  static constexpr const char* kKeys[] = {"send_workers", "send_group", "claim_batch"};
  for (const auto& [key, value] : it->items())
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys))
      return bad(path, "engine." + key,
                 "unknown key (the engine's keys are send_workers, send_group, claim_batch)");
  std::size_t workers = 0, group = 0;
  if (auto e = whole_member(path, *it, "engine", "send_workers", 1, 256, workers))
    return tl::unexpected(*e);
  if (auto e = whole_member(path, *it, "engine", "send_group", 1, 10'000, group))
    return tl::unexpected(*e);
  if (auto e = whole_member(path, *it, "engine", "claim_batch", 1, 100'000, engine.claim_batch))
    return tl::unexpected(*e);
  if (workers > 0) engine.send_workers = workers;
  if (group > 0) engine.send_group = group;
  if (workers > 0 && group > 0 && group < workers)
    return bad(path, "engine.send_group",
               "must be at least engine.send_workers (" + std::to_string(workers) +
                   "): each worker sends a message marked `sending`");
  return engine;
}

// "inbound": {"poll_seconds", "idle"}, every key optional.
core::Result<InboundSettings> read_inbound(const std::filesystem::path& path,
                                           const nlohmann::json& doc) {
  InboundSettings inbound;
  auto it = doc.find("inbound");
  if (it == doc.end() || it->is_null()) return inbound;
  if (!it->is_object()) return bad(path, "inbound", "must be an object");
  for (const auto& [key, value] : it->items())
    if (key != "poll_seconds" && key != "idle")
      return bad(path, "inbound." + key, "unknown key (the keys are poll_seconds and idle)");
  if (auto e = whole_member(path, *it, "inbound", "poll_seconds", 1, 86'400, inbound.poll_seconds))
    return tl::unexpected(*e);
  if (auto idle = it->find("idle"); idle != it->end() && !idle->is_null()) {
    if (!idle->is_boolean()) return bad(path, "inbound.idle", "must be true or false");
    inbound.idle = idle->get<bool>();
  }
  return inbound;
}

}  // namespace

core::Result<Config> load_config(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return core::fail(core::ErrorCode::invalid_input, "cannot read config " + path.string());
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    return core::fail(core::ErrorCode::invalid_input, path.string() + ": " + e.what());
  }
  if (!doc.is_object())
    return core::fail(core::ErrorCode::invalid_input, path.string() + ": must be an object");
  Config config;
  auto text = [&](const char* key, auto& target) -> std::optional<core::Error> {
    auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) return std::nullopt;
    if (!it->is_string())
      return core::Error{core::ErrorCode::invalid_input,
                         path.string() + ": " + key + " must be a string"};
    target = it->template get<std::string>();
    return std::nullopt;
  };
  if (auto e = text("public_url", config.public_url)) return tl::unexpected(*e);
  // Tracking tokens are signed with a secret from the environment, never from the file.
  std::string secret_env;
  if (auto e = text("secret_env", secret_env)) return tl::unexpected(*e);
  if (!config.public_url.empty()) {
    if (secret_env.empty())
      return bad(path, "secret_env", "is required with public_url (it signs tracking links)");
    const char* secret = std::getenv(secret_env.c_str());
    if (!secret || std::string_view(secret).size() < 16)
      return bad(path, "secret_env",
                 "the environment variable " + secret_env + " must hold at least 16 characters");
    config.tracking_secret = secret;
  }
  if (auto e = text("listen", config.listen)) return tl::unexpected(*e);
  std::string outbox;
  if (auto e = text("outbox", outbox)) return tl::unexpected(*e);
  if (!outbox.empty()) config.outbox = outbox;
  if (auto it = doc.find("mailboxes"); it != doc.end() && !it->is_null()) {
    if (!it->is_array()) return bad(path, "mailboxes", "must be a list");
    for (std::size_t i = 0; i < it->size(); ++i) {
      auto mailbox = read_mailbox(path, "mailboxes[" + std::to_string(i) + "]", (*it)[i]);
      if (!mailbox) return tl::unexpected(mailbox.error());
      config.mailboxes.push_back(std::move(*mailbox));
    }
  }
  if (auto it = doc.find("salesforce"); it != doc.end() && !it->is_null()) {
    auto settings = salesforce::parse_settings(*it);
    if (!settings)
      return core::fail(core::ErrorCode::invalid_input,
                        path.string() + ": " + settings.error().message);
    config.salesforce = std::move(*settings);
  }
  auto serve = read_serve(path, doc);
  if (!serve) return tl::unexpected(serve.error());
  config.serve = std::move(*serve);
  auto engine = read_engine(path, doc);
  if (!engine) return tl::unexpected(engine.error());
  config.engine = *engine;
  auto inbound = read_inbound(path, doc);
  if (!inbound) return tl::unexpected(inbound.error());
  config.inbound = *inbound;
  return config;
}

}  // namespace touchpoint::app
