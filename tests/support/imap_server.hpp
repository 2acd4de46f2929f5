#pragma once
// A real IMAP server for tests: Dovecot (Debian's dovecot-imapd) run as a child process
// (`dovecot -F -c <conf>`) with a throwaway configuration in a temp dir: plain IMAP on a free
// loopback port, one user with a plain password (passwd-file), a Maildir under the temp dir.
// Stopped with SIGTERM on destruction. As root, the user's mail is owned by `nobody` (Dovecot
// refuses UID 0); otherwise everything runs as the current user.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "smtp_server.hpp"  // Certificate

namespace touchpoint::testing {

class ImapServer {
 public:
  // Whether the server offers IDLE (RFC 2177) after login; without it, its imap_capability
  // lists the usual capabilities but IDLE.
  enum class Idle { offered, not_offered };

  // Starts Dovecot and waits until it accepts connections; throws std::runtime_error when it
  // cannot.
  // With a certificate, the plain port also offers STARTTLS, and tls_port() speaks TLS.
  explicit ImapServer(std::string username = "anna", std::string password = "imap-secret",
                      Idle idle = Idle::offered,
                      std::optional<Certificate> certificate = std::nullopt);
  ~ImapServer();
  ImapServer(const ImapServer&) = delete;
  ImapServer& operator=(const ImapServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::uint16_t tls_port() const { return tls_port_; }  // 0 without a certificate
  const std::string& username() const { return username_; }
  const std::string& password() const { return password_; }

  // Delivers one raw message to the user's INBOX (a new file in Maildir/new; Dovecot assigns it
  // the next UID when it next looks). Appended in order, UIDs ascend in order.
  void append(const std::string& raw_message);

 private:
  void stop();

  std::filesystem::path dir_;
  std::filesystem::path maildir_;
  std::string username_;
  std::string password_;
  uid_t mail_uid_ = 0;
  gid_t mail_gid_ = 0;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t tls_port_ = 0;
  int appended_ = 0;
};

}  // namespace touchpoint::testing
