#include "smtp_session.hpp"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/host_name.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace touchpoint::mail::detail {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// A fault of the connection itself (refused, reset, closed, timed out).
struct ConnectionFault : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A reply longer than this without a line end is not SMTP.
constexpr std::size_t kMaxReplyBytes = 64 * 1024;
// Lines starting with '.' are sent as slices around an extra '.' (no copy of the message);
// a message with more of them than this is copied instead (sendmsg takes at most IOV_MAX).
constexpr std::size_t kMaxSlices = 256;

// The envelope's commands, and whether a reply to each (in order) accepts it.
constexpr const char* kVerbs[] = {"MAIL", "RCPT", "DATA"};
bool accepted(int command, int code) {
  return command < 2 ? code == 250 || code == 251 : code == 354;
}

// No message's outcome hangs on the connection (it is being opened).
constexpr std::size_t kNone = static_cast<std::size_t>(-1);

struct Reply {
  int code = 0;
  std::string text;  // every line, joined by " / "
};

core::SendOutcome outcome_of(const Reply& reply, std::string_view after) {
  std::string detail =
      std::to_string(reply.code) + " " + reply.text + " (after " + std::string(after) + ")";
  if (reply.code >= 500 && reply.code < 600) return {core::SendStatus::permanent, detail};
  if (reply.code >= 400 && reply.code < 500) return {core::SendStatus::transient, detail};
  return {core::SendStatus::transient, "unexpected reply " + detail};
}

iovec slice(std::string_view s) {
  return {const_cast<char*>(s.data()), s.size()};
}

}  // namespace

// Connecting runs on this session's own io_context with a deadline (Asio's
// blocking_tcp_client example); after that the socket is a plain blocking one whose send and
// receive time out (SO_SNDTIMEO, SO_RCVTIMEO): one system call per read or write, no event
// loop turned per operation (that cost about a third of the sending threads' CPU).
struct SmtpSession::Impl {
  std::string host;
  std::string port;
  std::chrono::milliseconds timeout;
  asio::io_context io;
  tcp::socket socket{io};
  std::string input;  // received bytes; those before `consumed` are used
  std::size_t consumed = 0;
  std::string envelope;       // reused: MAIL, RCPT and DATA
  std::size_t rcpt_at = 0;    // where RCPT starts in `envelope`
  std::size_t data_at = 0;    // where DATA starts
  std::vector<iovec> slices;  // reused: the content with its dots doubled, then what follows
  std::string joined;         // reused: the slices copied, when there are too many
  bool pipelining = false;
  std::uint64_t written = 0;  // bytes the socket has taken, over every connection
  // The message whose outcome a fault would decide, and the value of `written` from which its
  // final "." has left (so the server may hold it).
  std::size_t pending = kNone;
  std::uint64_t doubt_from = UINT64_MAX;

  void close() {
    error_code ignored;
    socket.close(ignored);
  }

  void run(std::string_view what) {
    io.restart();
    io.run_for(timeout);
    if (!io.stopped()) {
      socket.close();
      io.run();  // lets the cancelled operation complete
      throw timed_out(what);
    }
  }

  void connect() {
    tcp::resolver resolver(io);
    error_code result = asio::error::would_block;
    tcp::resolver::results_type endpoints;
    resolver.async_resolve(host, port, [&](error_code ec, tcp::resolver::results_type r) {
      result = ec;
      endpoints = std::move(r);
    });
    run("resolving " + host);
    if (result) throw ConnectionFault("cannot resolve " + host + ": " + result.message());
    result = asio::error::would_block;
    asio::async_connect(socket, endpoints,
                        [&](error_code ec, const tcp::endpoint&) { result = ec; });
    run("connecting");
    if (result)
      throw ConnectionFault("cannot connect to " + host + " port " + port + ": " +
                            result.message());
    // Each command group is one write; without this, Nagle holds the next group behind the
    // server's delayed ACK.
    socket.set_option(tcp::no_delay(true));
    socket.native_non_blocking(false);
    set_io_timeout(timeout);
    input.clear();
    consumed = 0;
  }

  // Blocking reads and writes on the socket give up after `limit`.
  void set_io_timeout(std::chrono::milliseconds limit) {
    timeval t{};
    t.tv_sec = static_cast<time_t>(limit.count() / 1000);
    t.tv_usec = static_cast<suseconds_t>((limit.count() % 1000) * 1000);
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &t, sizeof t);
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &t, sizeof t);
  }

  ConnectionFault timed_out(std::string_view what) const {
    return ConnectionFault(std::string(what) + ": no answer within " +
                           std::to_string(timeout.count()) + " ms");
  }

  [[noreturn]] void fail(std::string_view what, int error) {
    if (error == EAGAIN || error == EWOULDBLOCK) throw timed_out(what);
    throw ConnectionFault(std::string(what) + ": " + std::strerror(error));
  }

  // Writes every slice, in order; a short write continues where it stopped.
  void write(iovec* iov, std::size_t count) {
    while (count > 0) {
      msghdr msg{};
      msg.msg_iov = iov;
      msg.msg_iovlen = count;
      const ssize_t n = ::sendmsg(socket.native_handle(), &msg, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        fail("writing", errno);
      }
      written += static_cast<std::uint64_t>(n);
      auto left = static_cast<std::size_t>(n);
      while (count > 0 && left >= iov->iov_len) {
        left -= iov->iov_len;
        ++iov;
        --count;
      }
      if (count > 0) {
        iov->iov_base = static_cast<char*>(iov->iov_base) + left;
        iov->iov_len -= left;
      }
    }
  }

  void write(std::string_view data) {
    iovec one = slice(data);
    write(&one, 1);
  }

  // The next line without its CRLF; valid until the next read.
  std::string_view read_line() {
    for (;;) {
      const std::size_t end = input.find("\r\n", consumed);
      if (end != std::string::npos) {
        std::string_view line(input.data() + consumed, end - consumed);
        consumed = end + 2;
        return line;
      }
      if (consumed > 0) {
        input.erase(0, consumed);
        consumed = 0;
      }
      if (input.size() > kMaxReplyBytes) throw ConnectionFault("a reply line without an end");
      const std::size_t have = input.size();
      input.resize(have + 4096);
      const ssize_t n = ::recv(socket.native_handle(), input.data() + have, 4096, 0);
      input.resize(have + static_cast<std::size_t>(n > 0 ? n : 0));
      if (n == 0) throw ConnectionFault("the server closed the connection");
      if (n < 0 && errno != EINTR) fail("waiting for a reply", errno);
    }
  }

  // A reply: lines "250-..." continue it, "250 ..." (or a bare "250") ends it (RFC 5321 4.2.1).
  Reply read_reply() {
    Reply reply;
    for (;;) {
      const std::string_view line = read_line();
      if (line.size() < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9' ||
          line[2] < '0' || line[2] > '9' || (line.size() > 3 && line[3] != ' ' && line[3] != '-'))
        throw ConnectionFault("not an SMTP reply: " + std::string(line.substr(0, 80)));
      const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
      if (reply.code != 0 && code != reply.code)
        throw ConnectionFault("a multi-line reply changed its code: " +
                              std::string(line.substr(0, 80)));
      reply.code = code;
      if (!reply.text.empty()) reply.text += " / ";
      if (line.size() > 4) reply.text.append(line.substr(4));
      if (line.size() == 3 || line[3] == ' ') return reply;
    }
  }

  // Greeting and EHLO (HELO when EHLO is refused). A refusal is returned as an outcome.
  std::optional<core::SendOutcome> open() {
    connect();
    if (Reply greeting = read_reply(); greeting.code != 220) return outcome_of(greeting, "connect");
    const std::string name = asio::ip::host_name();
    write("EHLO " + name + "\r\n");
    Reply ehlo = read_reply();
    pipelining = false;
    if (ehlo.code == 250) {
      // The keywords are on the lines after the first (joined by " / ").
      std::size_t at = 0;
      while ((at = ehlo.text.find(" / ", at)) != std::string::npos) {
        at += 3;
        if (ehlo.text.compare(at, 10, "PIPELINING") == 0) pipelining = true;
      }
      return std::nullopt;
    }
    write("HELO " + name + "\r\n");
    if (Reply helo = read_reply(); helo.code != 250) return outcome_of(helo, "HELO");
    return std::nullopt;
  }

  void build_envelope(const SmtpSession::Message& m) {
    envelope.clear();
    envelope.append("MAIL FROM:<").append(m.from).append(">\r\n");
    rcpt_at = envelope.size();
    envelope.append("RCPT TO:<").append(m.to).append(">\r\n");
    data_at = envelope.size();
    envelope.append("DATA\r\n");
  }

  // The replies to the envelope written at once (RFC 2920: each command still gets its reply,
  // in order). A refusal is returned as an outcome.
  std::optional<core::SendOutcome> read_envelope_replies() {
    std::optional<core::SendOutcome> refused;
    for (int i = 0; i < 3; ++i) {
      Reply r = read_reply();
      if (!refused && !accepted(i, r.code)) refused = outcome_of(r, kVerbs[i]);
      // A 354 after a refused MAIL or RCPT: end the empty transaction (RFC 2920 3.1).
      if (i == 2 && r.code == 354 && refused) {
        write(".\r\n");
        read_reply();
      }
    }
    return refused;
  }

  // Without pipelining: each command waits for its reply.
  std::optional<core::SendOutcome> write_envelope_stepwise() {
    const std::string_view all(envelope);
    const std::size_t cuts[] = {0, rcpt_at, data_at, all.size()};
    for (int i = 0; i < 3; ++i) {
      write(all.substr(cuts[i], cuts[i + 1] - cuts[i]));
      Reply r = read_reply();
      if (!accepted(i, r.code)) return outcome_of(r, kVerbs[i]);
    }
    return std::nullopt;
  }

  // Appends to `slices` the content with every line that starts with '.' given another '.'
  // (RFC 5321 4.5.2), a final CRLF when it lacks one, then the terminating ".": slices of
  // `mime` around the added dots, no copy. Returns the bytes added.
  std::size_t add_content(std::string_view mime) {
    static constexpr std::string_view kDot = ".";
    static constexpr std::string_view kCrlf = "\r\n";
    static constexpr std::string_view kEnd = ".\r\n";
    std::size_t bytes = mime.size() + kEnd.size();
    std::size_t from = 0;
    for (std::size_t line = 0; line < mime.size();) {
      if (mime[line] == '.') {
        if (line > from) slices.push_back(slice(mime.substr(from, line - from)));
        slices.push_back(slice(kDot));
        ++bytes;
        from = line;
      }
      const std::size_t end = mime.find('\n', line);
      line = end == std::string_view::npos ? mime.size() : end + 1;
    }
    if (from < mime.size()) slices.push_back(slice(mime.substr(from)));
    if (!mime.empty() && !mime.ends_with(kCrlf)) {
      slices.push_back(slice(kCrlf));
      bytes += kCrlf.size();
    }
    slices.push_back(slice(kEnd));
    return bytes;
  }

  // Every slice, in one system call when the socket takes it all (sendmsg takes at most
  // IOV_MAX slices: past kMaxSlices they are copied into one).
  void write_slices() {
    if (slices.size() <= kMaxSlices) return write(slices.data(), slices.size());
    joined.clear();
    for (const auto& s : slices) joined.append(static_cast<const char*>(s.iov_base), s.iov_len);
    write(joined);
  }

  void report(const SmtpSession::Done& done, std::size_t i, core::SendOutcome outcome) {
    pending = kNone;
    done(i, std::move(outcome));
  }

  // Submits messages[i] and, while the server pipelines and each is accepted, those after it,
  // each message's content and final "." written with the next one's envelope. Returns the
  // index of the first message without an outcome. A fault is thrown with `pending` and
  // `doubt_from` saying which message it decides and whether that one may have been taken.
  std::size_t submit(std::span<const SmtpSession::Message> messages, std::size_t i,
                     const SmtpSession::Done& done) {
    pending = i;
    doubt_from = UINT64_MAX;
    build_envelope(messages[i]);
    std::optional<core::SendOutcome> refused;
    if (pipelining) {
      write(envelope);
      refused = read_envelope_replies();
    } else {
      refused = write_envelope_stepwise();
    }
    for (;;) {
      if (refused) {
        report(done, i, std::move(*refused));
        close();
        return i + 1;
      }
      const bool more = pipelining && i + 1 < messages.size();
      slices.clear();
      // A write that fails before this many bytes has not handed over the final "." (its last
      // bytes never left), so the server cannot have taken the message: an ordinary fault.
      doubt_from = written + add_content(messages[i].mime);
      if (more) {
        build_envelope(messages[i + 1]);
        slices.push_back(slice(envelope));
      }
      write_slices();
      Reply r = read_reply();
      if (r.code != 250) {
        // The next envelope, if written, is abandoned with the connection: it has no content.
        report(done, i, outcome_of(r, "end of data"));
        close();
        return i + 1;
      }
      report(done, i, {core::SendStatus::sent, std::to_string(r.code) + " " + r.text});
      if (!more) return i + 1;
      pending = ++i;
      doubt_from = UINT64_MAX;
      refused = read_envelope_replies();
    }
  }
};

SmtpSession::SmtpSession(std::string host, std::uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = std::to_string(port);
  impl_->timeout = timeout;
}

SmtpSession::~SmtpSession() {
  if (!connected()) return;
  // A polite QUIT, without waiting long for its reply.
  try {
    impl_->set_io_timeout(std::chrono::milliseconds(500));
    impl_->write("QUIT\r\n");
    impl_->read_reply();
  } catch (...) {  // closing on the way out: nothing useful to do about a failure
  }
}

bool SmtpSession::connected() const {
  if (!impl_->socket.is_open()) return false;
  // A server that closed an idle connection (a timeout, a restart) has left an end-of-file to
  // read: peek without waiting, so that a stale connection is reopened instead of failing.
  char byte = 0;
  const auto n = ::recv(impl_->socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
  error_code ignored;
  impl_->socket.close(ignored);
  return false;
}

void SmtpSession::send_each(std::span<const Message> messages, const Done& done) {
  Impl& s = *impl_;
  std::size_t next = 0;
  while (next < messages.size()) {
    s.pending = kNone;
    try {
      if (!connected()) {
        if (auto refused = s.open()) {
          s.close();
          for (; next < messages.size(); ++next) done(next, *refused);
          return;
        }
      }
      next = s.submit(messages, next, done);
    } catch (const std::exception& e) {
      s.close();
      const std::string fault = "smtp " + s.host + ": " + e.what();
      if (s.pending == kNone) {  // no connection: the messages left would meet the same
        for (; next < messages.size(); ++next) done(next, {core::SendStatus::transient, fault});
        return;
      }
      const std::size_t i = std::exchange(s.pending, kNone);
      if (s.written >= s.doubt_from)
        done(i, {core::SendStatus::unknown, fault + kInDoubt});
      else
        done(i, {core::SendStatus::transient, fault});
      next = i + 1;
    }
  }
}

core::SendOutcome SmtpSession::send(std::string_view from, std::string_view to,
                                    std::string_view mime) {
  core::SendOutcome outcome;
  const Message message{from, to, mime};
  send_each({&message, 1}, [&](std::size_t, core::SendOutcome o) { outcome = std::move(o); });
  return outcome;
}

}  // namespace touchpoint::mail::detail
