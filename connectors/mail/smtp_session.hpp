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
#include <cstdint>
#include <memory>
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

  // Connects and greets (EHLO, else HELO) when not connected, then submits `mime` (CRLF line
  // ends) from `from` to `to`: MAIL, RCPT and DATA in one write when the server pipelines, the
  // content dot-stuffed (RFC 5321 4.5.2). Returns `sent` with the server's final reply,
  // `transient` for a 4xx reply, a connection fault or a timeout before the content was
  // handed over, `permanent` for a 5xx reply. A connection lost, or a reply not received,
  // after the content's final "." was written gives `unknown`: the server may have accepted
  // it (RFC 5321 4.1.1.4), so it must not be sent again. After anything but `sent` the
  // connection is closed; the next call opens a new one. Never throws.
  // Not thread-safe: one caller at a time.
  core::SendOutcome send(const std::string& from, const std::string& to, std::string_view mime);

  bool connected() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace touchpoint::mail::detail
