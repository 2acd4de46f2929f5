#pragma once
// Private to touchpoint::mail: one SMTP connection (RFC 5321) over Asio, without TLS or AUTH,
// with ESMTP PIPELINING (RFC 2920) when the server offers it. SmtpTransport uses it for
// servers it reaches in plain text without a login (a local relay, the benchmark's sink); TLS
// and AUTH stay with vmime's transport.
//
// Why not vmime here: its SMTP transport costs about 160 µs of CPU per 4 KB message (copying
// the message through its filter streams a byte at a time, per perf), which alone caps a
// 2-core machine near 6,000 messages/s before MIME and the store take their share.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <touchpoint/core/ports.hpp>

namespace touchpoint::mail::detail {

// Appended to an `unknown` outcome's detail, on both SMTP paths: the connection failed after
// the message's final "." left, so the server may hold it.
inline constexpr const char* kInDoubt =
    " after the message was handed over; it may have been accepted (not resent)";

class SmtpSession {
 public:
  // Does not connect; the first send() does.
  SmtpSession(std::string host, std::uint16_t port, std::chrono::milliseconds timeout);
  ~SmtpSession();
  SmtpSession(const SmtpSession&) = delete;
  SmtpSession& operator=(const SmtpSession&) = delete;

  struct Message {
    std::string_view from;
    std::string_view to;
    std::string_view mime;  // CRLF line ends
  };
  using Done = std::function<void(std::size_t index, core::SendOutcome outcome)>;

  // Connects and greets (EHLO, else HELO) when not connected, then submits each message in
  // turn, calling done(i, outcome) as each outcome is known. The content is dot-stuffed
  // (RFC 5321 4.5.2). When the server pipelines (RFC 2920), MAIL, RCPT and DATA go in one
  // write, and each message's final "." goes in one write with the next message's envelope:
  // one round trip a message. An outcome is `sent` with the server's final reply, `transient`
  // for a 4xx reply, a connection fault or a timeout before the content was handed over,
  // `permanent` for a 5xx reply. A connection lost, or a reply not received, after the
  // content's final "." was written gives `unknown`: the server may have accepted it
  // (RFC 5321 4.1.1.4), so it must not be sent again. After anything but `sent` the
  // connection is closed and the next message gets a new one; a refused greeting or a failed
  // connection ends the batch, every message left getting that outcome. Never throws.
  // Not thread-safe: one caller at a time.
  void send_each(std::span<const Message> messages, const Done& done);
  // send_each for one message.
  core::SendOutcome send(std::string_view from, std::string_view to, std::string_view mime);

  bool connected() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace touchpoint::mail::detail
