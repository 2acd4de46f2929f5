#pragma once
// A MailTransport that submits messages over SMTP (vmime's SMTP service) to one mailbox's
// submission server: plain, STARTTLS or implicit TLS, with AUTH when a username is set.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <touchpoint/core/ports.hpp>

namespace touchpoint::mail {

// One mailbox's "smtp" configuration (DESIGN.md §7).
struct SmtpSettings {
  enum class Tls { none, starttls, implicit };
  enum class NoDelay { on, off };  // TCP_NODELAY; `off` exists for measurements only

  std::string host;
  std::uint16_t port = 587;
  Tls tls = Tls::starttls;
  std::string username;                          // empty: no AUTH
  std::string password;                          // a secret: never logged, never in a SendOutcome
  std::optional<std::filesystem::path> ca_file;  // trust exactly this CA; else /etc/ssl/certs
  NoDelay no_delay = NoDelay::on;
  // Connections kept open to the server, each carrying one message at a time: concurrent
  // send() calls use up to this many in parallel, further ones wait for a free one.
  std::size_t connections = 1;
};

namespace detail {
class SmtpSession;
}

class SmtpTransport final : public core::MailTransport {
 public:
  // Does not connect; the first send() does. Does not throw.
  explicit SmtpTransport(SmtpSettings settings);
  ~SmtpTransport() override;
  SmtpTransport(const SmtpTransport&) = delete;
  SmtpTransport& operator=(const SmtpTransport&) = delete;

  // Submits build_mime(message) from message.from_email to message.to_email over one of the
  // connections this object keeps (each opened when first needed, reopened after a failure).
  // Returns `sent` with the server's reply; `transient` for a 4xx reply, a connection fault or
  // a timeout, and a server certificate that does not verify (detail starts with "tls: "; a
  // configuration fault, not the prospect's, so not a bounce); `permanent` for a 5xx reply
  // (detail: code and the server's text), a message build_mime refuses, and an authentication
  // failure (detail starts with "auth: "); `unknown` when the connection is lost, or the reply
  // does not come, after the message's terminating "." left: the server may have accepted it,
  // so it must never be sent again automatically (both the vmime path and the small pipelining
  // client used for a server reached in plain text without a login, smtp_session.hpp). Never
  // throws; the password never appears in a detail.
  // Thread-safe: MIME is built on the caller's thread; at most settings.connections calls
  // talk to the server at once, one per connection, the others wait for a free connection.
  core::SendOutcome send(const core::OutgoingMessage& message) override;
  // As send() for each message, over one connection. To a server reached in plain text that
  // pipelines, each message's end goes out with the next one's envelope (one round trip a
  // message); otherwise they are sent one at a time.
  void send_batch(std::span<const core::OutgoingMessage> messages, const BatchDone& done) override;

 private:
  struct Connection;
  // A connected or not-yet-connected connection; waits while all are busy.
  std::unique_ptr<Connection> check_out();
  // Returns it to the pool; null when it was dropped after a failure.
  void check_in(std::unique_ptr<Connection> connection);
  // A server reached in plain text without a login: the small pipelining client serves it.
  bool plain() const;
  detail::SmtpSession& plain_session(Connection& connection);
  core::SendOutcome submit(Connection& connection, const core::OutgoingMessage& message,
                           const std::string& mime);

  SmtpSettings settings_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t busy_ = 0;  // connections checked out
};

}  // namespace touchpoint::mail
