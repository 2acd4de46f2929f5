#pragma once
// Inbound mail, the networking half: fetches raw messages from one mailbox's IMAP folder (vmime's
// IMAP service) by UID. Read-only: the folder is opened with EXAMINE and bodies are fetched with
// BODY.PEEK, so nothing is marked, moved or deleted. Classification is mail::classify_inbound.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace touchpoint::mail {

// One mailbox's "imap" configuration (DESIGN.md §7).
struct ImapSettings {
  enum class Tls { none, starttls, implicit };

  std::string host;
  std::uint16_t port = 993;
  Tls tls = Tls::implicit;
  std::string username;
  std::string password;  // a secret: never logged, never in an error
  std::string folder = "INBOX";
  std::optional<std::filesystem::path> ca_file;  // trust exactly this CA; else /etc/ssl/certs
  int timeout_seconds = 60;                      // a silent server is given up after this long
};

struct FetchedMessage {
  std::uint32_t uid = 0;
  std::string raw;  // the RFC 5322 bytes as the server sends them (CRLF line ends)
};

struct FetchResult {
  std::uint32_t uid_validity = 0;        // the folder's UIDVALIDITY; 0 when not reached
  std::vector<FetchedMessage> messages;  // by ascending UID
  std::string error;                     // empty on success
};

class ImapFetcher {
 public:
  explicit ImapFetcher(ImapSettings settings);

  // Connects, opens the folder read-only, and returns the messages with a UID above `last_uid`
  // (every message when `uid_validity_known` differs from the folder's UIDVALIDITY, including
  // when it is 0), oldest first, at most `max_messages` of them; then disconnects. Call again
  // with the last returned UID for the rest. Connection, TLS, authentication and protocol
  // failures are reported in `error` (with whatever uid_validity was read), never thrown; the
  // password never appears in it. Thread-safe (each call has its own connection).
  FetchResult fetch_since(std::uint32_t uid_validity_known, std::uint32_t last_uid,
                          std::size_t max_messages = 100) const;

 private:
  ImapSettings settings_;
};

}  // namespace touchpoint::mail
