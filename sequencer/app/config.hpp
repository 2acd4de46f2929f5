#pragma once
// The configuration file (DESIGN.md §7). Keys may grow; unknown ones are kept for the
// components that will read them.

#include <filesystem>
#include <optional>
#include <string>

#include <vector>

#include <touchpoint/core/result.hpp>
#include <touchpoint/core/throttle.hpp>
#include <touchpoint/mail/imap_fetcher.hpp>
#include <touchpoint/mail/smtp_transport.hpp>
#include <touchpoint/salesforce/settings.hpp>

namespace touchpoint::app {

// One rep's mailbox. The password comes from the environment variable the file names
// (`password_env`) and is never printed.
struct Mailbox {
  std::string owner;
  mail::SmtpSettings smtp;
  std::optional<mail::ImapSettings> imap;  // inbound: replies, out-of-office, bounces
  // `limits` {per_day, per_minute, min_spacing_seconds}; a key left out keeps its default
  // (core::SendLimits: 2000 a day, 30 a minute, 2 s apart, which keeps a Gmail account and a
  // Microsoft 365 account within their sending limits).
  core::SendLimits limits;
};

// `touchpoint serve`: the bridge's settings (top-level keys "threads", "cors_origins",
// "trusted_proxies", "tls", "limits", "static_dir").
struct ServeSettings {
  std::size_t threads = 2;                // worker threads, each with its own connection
  std::vector<std::string> cors_origins;  // exact origins allowed to call the API, or "*"
  // Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR ranges); none by
  // default: the header is ignored (bridge::ServerOptions::trusted_proxies).
  std::vector<std::string> trusted_proxies;
  std::string tls_cert_file;              // "tls": {"cert_file", "key_file"}: HTTPS when set
  std::string tls_key_file;
  std::size_t body_bytes = 1024 * 1024;   // "limits": {"body_bytes", "header_bytes",
  std::size_t header_bytes = 16 * 1024;   //   "read_timeout_seconds", "idle_timeout_seconds"}
  int read_timeout_seconds = 30;
  int idle_timeout_seconds = 60;
  std::filesystem::path static_dir;       // the command center; empty: found near the program
};

// The engine's sending keys (top-level "engine": {"send_workers", "send_group",
// "claim_batch"}). Absent keys keep these defaults.
struct EngineSettings {
  // Messages handed to the mail transport at once, each on its own thread. Absent: the sum of
  // the mailboxes' smtp.connections (1 each unless set), so each mailbox sends over as many
  // connections as it allows and several mailboxes send in parallel; 1 without mailboxes.
  std::optional<std::size_t> send_workers;
  // The most messages marked `sending` at once, hence the most a crash can leave `unknown`
  // (never resent). Absent: send_workers. Never below send_workers.
  std::optional<std::size_t> send_group;
  std::size_t claim_batch = 500;  // due steps claimed per transaction
};

// How `serve` reads the reps' IMAP folders (top-level "inbound": {"poll_seconds", "idle"}).
struct InboundSettings {
  int poll_seconds = 60;  // between reads of a folder while IDLE is off or not working
  bool idle = true;       // false: no IDLE watchers, poll only
};

struct Config {
  std::string public_url;       // for unsubscribe links and tracking
  std::string tracking_secret;  // from the variable `secret_env` names; required with public_url
  std::string listen = "127.0.0.1:8080";
  std::filesystem::path outbox;    // where the folder transport writes; empty: beside the db
  std::vector<Mailbox> mailboxes;  // none: messages go to the outbox folder
  std::optional<salesforce::Settings> salesforce;  // "salesforce": absent when not configured
  ServeSettings serve;
  EngineSettings engine;
  InboundSettings inbound;
};

// Reads `path`. Errors name the key ("mailboxes[0].smtp.port: must be a whole number").
core::Result<Config> load_config(const std::filesystem::path& path);

}  // namespace touchpoint::app
