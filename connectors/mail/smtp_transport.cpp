#include <touchpoint/mail/smtp_transport.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <vmime/net/smtp/SMTPExceptions.hpp>
#include <vmime/net/tracer.hpp>
#include <vmime/security/cert/certificateException.hpp>
#include <vmime/security/cert/defaultCertificateVerifier.hpp>
#include <vmime/vmime.hpp>

#include <touchpoint/mail/mime.hpp>

#include "nodelay_socket.hpp"
#include "smtp_session.hpp"
#include "vmime_platform.hpp"
#include "vmime_support.hpp"

namespace touchpoint::mail {
namespace {

using detail::describe;
using detail::load_certificates;
using detail::one_line;
using detail::without_secret;

// A server reached in plain text that sends nothing for this long is given up.
constexpr std::chrono::milliseconds kPlainTimeout{60000};

// The SMTP command verb ("RCPT", "DATA"): never the arguments, which for AUTH hold secrets.
std::string command_verb(const std::string& command) {
  const auto space = command.find_first_of(" :");
  return command.substr(0, space);
}

core::SendOutcome classify(const vmime::net::smtp::SMTPCommandError& e) {
  const int code = e.statusCode();
  const std::string verb = command_verb(e.command());
  std::string detail =
      std::to_string(code) + " " + one_line(e.response()) + " (after " + verb + ")";
  if (verb == "AUTH") return {core::SendStatus::permanent, "auth: " + detail};
  if (code >= 400 && code < 500) return {core::SendStatus::transient, std::move(detail)};
  if (code >= 500 && code < 600) return {core::SendStatus::permanent, std::move(detail)};
  return {core::SendStatus::transient, "unexpected reply " + detail};
}

// What a connection's tracer saw: the last line the server sent, so a success can report the
// server's own reply ("250 2.0.0 Queued as 4F2A") — only received lines: sent ones include
// AUTH data — and whether the current message's terminating "." has left. vmime traces that
// "." only once its socket took it, so a fault after it means the server may hold the message.
struct Trace {
  std::string last_reply;
  bool content_handed_over = false;
};

class ConnectionTracer final : public vmime::net::tracer {
 public:
  explicit ConnectionTracer(std::shared_ptr<Trace> trace) : trace_(std::move(trace)) {}
  void traceSend(const vmime::string& line) override {
    if (line == ".") trace_->content_handed_over = true;
  }
  void traceReceive(const vmime::string& line) override { trace_->last_reply = line; }

 private:
  std::shared_ptr<Trace> trace_;
};

class ConnectionTracerFactory final : public vmime::net::tracerFactory {
 public:
  explicit ConnectionTracerFactory(std::shared_ptr<Trace> trace) : trace_(std::move(trace)) {}
  vmime::shared_ptr<vmime::net::tracer> create(vmime::shared_ptr<vmime::net::service>,
                                               int) override {
    return vmime::make_shared<ConnectionTracer>(trace_);
  }

 private:
  std::shared_ptr<Trace> trace_;
};

}  // namespace

// The vmime session and its SMTP service, connected or not, and what its tracer saw.
struct SmtpTransport::Connection {
  vmime::shared_ptr<vmime::net::session> session;
  vmime::shared_ptr<vmime::net::transport> transport;
  std::shared_ptr<Trace> trace = std::make_shared<Trace>();
  // Instead of the above, for a server reached in plain text without a login.
  std::unique_ptr<detail::SmtpSession> plain;

  ~Connection() {
    try {
      if (transport && transport->isConnected()) transport->disconnect();
    } catch (...) {  // closing on the way out: nothing useful to do about a failure
    }
  }
};

SmtpTransport::SmtpTransport(SmtpSettings settings) : settings_(std::move(settings)) {
  if (settings_.connections == 0) settings_.connections = 1;
}

SmtpTransport::~SmtpTransport() = default;

std::unique_ptr<SmtpTransport::Connection> SmtpTransport::check_out() {
  std::unique_lock lock(mutex_);
  freed_.wait(lock, [&] { return !idle_.empty() || busy_ < settings_.connections; });
  ++busy_;
  if (idle_.empty()) return std::make_unique<Connection>();
  auto connection = std::move(idle_.back());
  idle_.pop_back();
  return connection;
}

void SmtpTransport::check_in(std::unique_ptr<Connection> connection) {
  {
    std::lock_guard lock(mutex_);
    --busy_;
    if (connection) idle_.push_back(std::move(connection));
  }
  freed_.notify_one();
}

namespace {
// build_mime's failures as outcomes: a message it refuses is never sendable.
std::optional<core::SendOutcome> build(const core::OutgoingMessage& message, std::string& mime) {
  try {
    mime = build_mime(message);
    return std::nullopt;
  } catch (const std::invalid_argument& e) {
    return core::SendOutcome{core::SendStatus::permanent, e.what()};
  } catch (const std::exception& e) {
    return core::SendOutcome{core::SendStatus::transient,
                             std::string("building MIME: ") + e.what()};
  }
}
}  // namespace

bool SmtpTransport::plain() const {
  return settings_.tls == SmtpSettings::Tls::none && settings_.username.empty();
}

core::SendOutcome SmtpTransport::send(const core::OutgoingMessage& message) {
  std::string mime;
  if (auto refused = build(message, mime)) return *refused;
  auto connection = check_out();
  auto outcome = submit(*connection, message, mime);
  // After any failure the session's state is unknown (a pipelined reply may be left unread):
  // drop the connection; the next send opens a fresh one.
  if (outcome.status != core::SendStatus::sent) connection.reset();
  check_in(std::move(connection));
  return outcome;
}

void SmtpTransport::send_batch(std::span<const core::OutgoingMessage> messages,
                               const BatchDone& done) {
  if (!plain() || messages.size() < 2) return MailTransport::send_batch(messages, done);
  // Built first, so the connection's messages follow each other without a pause.
  std::vector<std::string> mimes(messages.size());
  std::vector<detail::SmtpSession::Message> ready;
  std::vector<std::size_t> index;  // ready[k] is messages[index[k]]
  ready.reserve(messages.size());
  index.reserve(messages.size());
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (auto refused = build(messages[i], mimes[i])) {
      done(i, std::move(*refused));
      continue;
    }
    ready.push_back({messages[i].from_email, messages[i].to_email, mimes[i]});
    index.push_back(i);
  }
  if (ready.empty()) return;
  auto connection = check_out();
  plain_session(*connection).send_each(ready, [&](std::size_t k, core::SendOutcome outcome) {
    done(index[k], std::move(outcome));
  });
  check_in(std::move(connection));
}

detail::SmtpSession& SmtpTransport::plain_session(Connection& connection) {
  if (!connection.plain)
    connection.plain =
        std::make_unique<detail::SmtpSession>(settings_.host, settings_.port, kPlainTimeout);
  return *connection.plain;
}

core::SendOutcome SmtpTransport::submit(Connection& connection,
                                        const core::OutgoingMessage& message,
                                        const std::string& mime) {
  if (plain()) return plain_session(connection).send(message.from_email, message.to_email, mime);
  connection.trace->last_reply.clear();
  connection.trace->content_handed_over = false;
  core::SendOutcome outcome;
  bool replied = false;  // the outcome is the server's reply, not a fault of the connection
  try {
    detail::ensure_vmime_platform();
    if (!connection.transport || !connection.transport->isConnected()) {
      connection.transport.reset();
      connection.session = vmime::net::session::create();
      const bool implicit = settings_.tls == SmtpSettings::Tls::implicit;
      auto transport = connection.session->getTransport(implicit ? "smtps" : "smtp");
      auto& t = *transport;
      t.setProperty("server.address", settings_.host);
      t.setProperty("server.port", static_cast<vmime::port_t>(settings_.port));
      const bool starttls = settings_.tls == SmtpSettings::Tls::starttls;
      t.setProperty("connection.tls", starttls);
      t.setProperty("connection.tls.required", starttls);
      t.setProperty("options.need-authentication", !settings_.username.empty());
      if (!settings_.username.empty()) {
        t.setProperty("auth.username", settings_.username);
        t.setProperty("auth.password", settings_.password);
      }
      t.setTracerFactory(vmime::make_shared<ConnectionTracerFactory>(connection.trace));
      t.setSocketFactory(vmime::make_shared<detail::NoDelaySocketFactory>(
          settings_.no_delay == SmtpSettings::NoDelay::on ? detail::TcpNoDelay::on
                                                          : detail::TcpNoDelay::off));
      if (settings_.tls != SmtpSettings::Tls::none) {
        auto verifier = vmime::make_shared<vmime::security::cert::defaultCertificateVerifier>();
        verifier->setX509RootCAs(
            load_certificates(settings_.ca_file ? *settings_.ca_file : detail::kSystemCaBundle));
        t.setCertificateVerifier(verifier);
      }
      t.connect();
      connection.transport = std::move(transport);
    }

    // vmime ends DATA with "\r\n.\r\n", whose CRLF ends the last line (RFC 5321 4.1.1.4):
    // hand it the message without its own final CRLF, or the server gets an extra empty line.
    std::size_t size = mime.size();
    if (mime.ends_with("\r\n")) size -= 2;
    vmime::utility::inputStreamStringAdapter stream(mime, 0, size);
    vmime::mailboxList recipients;
    recipients.appendMailbox(
        vmime::make_shared<vmime::mailbox>(vmime::emailAddress(message.to_email)));
    connection.transport->send(vmime::mailbox(vmime::emailAddress(message.from_email)), recipients,
                               stream, size);
    outcome = {core::SendStatus::sent, one_line(connection.trace->last_reply)};
  } catch (const vmime::net::smtp::SMTPMessageSizeExceedsMaxLimitsException& e) {
    outcome = {core::SendStatus::permanent, "552 message too large: " + describe(e)};
    replied = true;
  } catch (const vmime::net::smtp::SMTPMessageSizeExceedsCurLimitsException& e) {
    outcome = {core::SendStatus::transient, "452 insufficient storage: " + describe(e)};
    replied = true;
  } catch (const vmime::net::smtp::SMTPCommandError& e) {
    outcome = classify(e);
    replied = true;
  } catch (const vmime::exceptions::authentication_error& e) {
    outcome = {core::SendStatus::permanent, "auth: " + one_line(e.response()) + " (last reply: " +
                                                one_line(connection.trace->last_reply) + ")"};
  } catch (const vmime::exceptions::authentication_exception& e) {
    outcome = {core::SendStatus::permanent, "auth: " + describe(e) + " (last reply: " +
                                                one_line(connection.trace->last_reply) + ")"};
  } catch (const vmime::security::cert::certificateException& e) {
    outcome = {core::SendStatus::transient, "tls: server certificate: " + describe(e)};
  } catch (const vmime::exceptions::tls_exception& e) {
    outcome = {core::SendStatus::transient, "tls: " + describe(e)};
  } catch (const vmime::exception& e) {
    outcome = {core::SendStatus::transient, "smtp " + settings_.host + ": " + describe(e)};
  } catch (const std::exception& e) {
    outcome = {core::SendStatus::transient, "smtp " + settings_.host + ": " + e.what()};
  } catch (...) {
    outcome = {core::SendStatus::transient, "smtp " + settings_.host + ": unknown failure"};
  }
  // The connection failed after the terminating "." left and before the final reply came: the
  // server may have accepted the message, so it must not be retried (RFC 5321 4.1.1.4).
  if (!replied && outcome.status != core::SendStatus::sent && connection.trace->content_handed_over)
    outcome = {core::SendStatus::unknown, outcome.detail + detail::kInDoubt};
  outcome.detail = without_secret(std::move(outcome.detail), settings_.password);
  return outcome;
}

}  // namespace touchpoint::mail
