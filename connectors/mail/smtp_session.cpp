#include "smtp_session.hpp"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
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

struct Reply {
  int code = 0;
  std::string text;  // every line, joined by " / "
};

core::SendOutcome outcome_of(const Reply& reply, std::string_view after) {
  std::string detail = std::to_string(reply.code) + " " + reply.text + " (after " +
                       std::string(after) + ")";
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
  std::vector<iovec> slices;  // reused: the content with its dots doubled
  bool pipelining = false;

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
    asio::async_connect(socket, endpoints, [&](error_code ec, const tcp::endpoint&) { result = ec; });
    run("connecting");
    if (result)
      throw ConnectionFault("cannot connect to " + host + " port " + port + ": " + result.message());
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

  // Writes the content with every line that starts with '.' given another '.' (RFC 5321
  // 4.5.2), a final CRLF when it lacks one, then the terminating ".": as slices of `mime`
  // around the added dots, in one system call when the socket takes it all.
  void write_content(std::string_view mime) {
    static constexpr std::string_view kDot = ".";
    static constexpr std::string_view kCrlf = "\r\n";
    static constexpr std::string_view kEnd = ".\r\n";
    slices.clear();
    std::size_t from = 0;
    for (std::size_t line = 0; line < mime.size();) {
      if (mime[line] == '.') {
        if (line > from) slices.push_back(slice(mime.substr(from, line - from)));
        slices.push_back(slice(kDot));
        from = line;
      }
      const std::size_t end = mime.find('\n', line);
      line = end == std::string_view::npos ? mime.size() : end + 1;
    }
    if (from < mime.size()) slices.push_back(slice(mime.substr(from)));
    if (!mime.empty() && !mime.ends_with(kCrlf)) slices.push_back(slice(kCrlf));
    slices.push_back(slice(kEnd));
    if (slices.size() <= kMaxSlices) return write(slices.data(), slices.size());
    std::string joined;
    for (const auto& s : slices) joined.append(static_cast<const char*>(s.iov_base), s.iov_len);
    write(joined);
  }

  core::SendOutcome submit(const std::string& from, const std::string& to,
                           std::string_view mime) {
    envelope.clear();
    envelope.append("MAIL FROM:<").append(from).append(">\r\n");
    const std::size_t rcpt = envelope.size();
    envelope.append("RCPT TO:<").append(to).append(">\r\n");
    const std::size_t data = envelope.size();
    envelope.append("DATA\r\n");
    const std::string_view all(envelope);
    const std::string_view commands[] = {all.substr(0, rcpt), all.substr(rcpt, data - rcpt),
                                         all.substr(data)};
    const char* const verbs[] = {"MAIL", "RCPT", "DATA"};
    std::optional<core::SendOutcome> refused;
    if (pipelining) {
      // RFC 2920: the group is written at once; each command still gets its reply, in order.
      write(all);
      for (int i = 0; i < 3; ++i) {
        Reply r = read_reply();
        const bool expected = i < 2 ? r.code == 250 || r.code == 251 : r.code == 354;
        if (!expected && !refused) refused = outcome_of(r, verbs[i]);
        // A 354 after a refused MAIL or RCPT: end the empty transaction (RFC 2920 3.1).
        if (i == 2 && r.code == 354 && refused) {
          write(".\r\n");
          read_reply();
        }
      }
    } else {
      for (int i = 0; i < 3 && !refused; ++i) {
        write(commands[i]);
        Reply r = read_reply();
        const bool expected = i < 2 ? r.code == 250 || r.code == 251 : r.code == 354;
        if (!expected) refused = outcome_of(r, verbs[i]);
      }
    }
    if (refused) return *refused;

    // A write that fails has not handed over the final "." (its last bytes never left), so
    // the server cannot have taken the message: an ordinary fault.
    write_content(mime);
    // From here on the server may hold the message: a lost reply leaves it in doubt.
    Reply done;
    try {
      done = read_reply();
    } catch (const ConnectionFault& e) {
      return {core::SendStatus::unknown,
              "smtp " + host + ": " + e.what() + kInDoubt};
    }
    if (done.code != 250) return outcome_of(done, "end of data");
    return {core::SendStatus::sent, std::to_string(done.code) + " " + done.text};
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

core::SendOutcome SmtpSession::send(const std::string& from, const std::string& to,
                                    std::string_view mime) {
  core::SendOutcome outcome;
  try {
    std::optional<core::SendOutcome> refused;
    if (!connected()) refused = impl_->open();
    outcome = refused ? *refused : impl_->submit(from, to, mime);
  } catch (const std::exception& e) {
    outcome = {core::SendStatus::transient, "smtp " + impl_->host + ": " + e.what()};
  }
  if (outcome.status != core::SendStatus::sent) {
    // The session's state is unknown after a failure (a pipelined reply may be left unread).
    error_code ignored;
    impl_->socket.close(ignored);
  }
  return outcome;
}

}  // namespace touchpoint::mail::detail
