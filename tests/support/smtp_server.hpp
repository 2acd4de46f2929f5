#pragma once
// A real SMTP server for tests: tests/support/smtp_test_server.py (Debian's python3-aiosmtpd)
// run as a child process on a free loopback port, stopped (SIGTERM) on destruction. Each
// accepted message lands in its folder as <n>.eml; see the script for the replies it can be
// told to give.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace touchpoint::testing {

// A self-signed certificate for 127.0.0.1 and localhost, made with the openssl command.
struct Certificate {
  std::filesystem::path cert;
  std::filesystem::path key;
};
Certificate make_certificate(const std::filesystem::path& dir);

struct SmtpServerOptions {
  std::string tls = "none";  // none, starttls, implicit
  std::optional<Certificate> certificate;
  std::string auth;         // user:password, empty for none
  std::uint16_t port = 0;   // 0: a free one
  bool pipelining = false;  // announce PIPELINING (RFC 2920)
};

class SmtpServer {
 public:
  // Starts the server and waits until it listens; throws std::runtime_error when it cannot.
  explicit SmtpServer(const SmtpServerOptions& options = {});
  ~SmtpServer();
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  std::uint16_t port() const { return port_; }
  // The raw messages received, in order.
  std::vector<std::string> messages() const;
  // The client port of each received message's connection, in order.
  std::vector<int> client_ports() const;
  // For each received message, in order: whether the client's next MAIL command came with its
  // content, before the server replied to it (pipelined across messages).
  std::vector<bool> next_mail_pipelined() const;

 private:
  void stop();
  struct Received {
    int port = 0;
    bool next_mail_pipelined = false;
  };
  std::vector<Received> log() const;

  std::filesystem::path dir_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace touchpoint::testing
