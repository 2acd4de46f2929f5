#include "smtp_session.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <optional>
#include <stdexcept>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/host_name.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

namespace touchpoint::mail::detail {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr std::string_view kInDoubt = "in doubt: ";

// A fault of the connection itself (refused, reset, closed, timed out).
struct ConnectionFault : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Reply {
  int code = 0;
  std::string text;  // every line, joined by " / "
  bool positive() const { return code >= 200 && code < 400; }
};

core::SendOutcome outcome_of(const Reply& reply, std::string_view after) {
  std::string detail = std::to_string(reply.code) + " " + reply.text + " (after " +
                       std::string(after) + ")";
  if (reply.code >= 500 && reply.code < 600) return {core::SendStatus::permanent, detail};
  if (reply.code >= 400 && reply.code < 500) return {core::SendStatus::transient, detail};
  return {core::SendStatus::transient, "unexpected reply " + detail};
}

// Lines starting with '.' get another '.' (RFC 5321 4.5.2); the content ends with CRLF, then
// the terminating ".".
std::string dot_stuffed(std::string_view mime) {
  std::string out;
  out.reserve(mime.size() + mime.size() / 64 + 8);
  std::size_t line = 0;
  while (line < mime.size()) {
    if (mime[line] == '.') out += '.';
    std::size_t end = mime.find('\n', line);
    end = end == std::string_view::npos ? mime.size() : end + 1;
    out.append(mime.substr(line, end - line));
    line = end;
  }
  if (!out.empty() && !out.ends_with("\r\n")) out += "\r\n";
  out += ".\r\n";
  return out;
}

}  // namespace

// Blocking operations with a deadline: each runs as an asynchronous one on this session's own
// io_context for at most `timeout` (Asio's blocking_tcp_client example).
struct SmtpSession::Impl {
  std::string host;
  std::string port;
  std::chrono::milliseconds timeout;
  asio::io_context io;
  tcp::socket socket{io};
  std::string input;  // received bytes not yet consumed
  bool pipelining = false;

  void run(std::string_view what) {
    io.restart();
    io.run_for(timeout);
    if (!io.stopped()) {
      socket.close();
      io.run();  // lets the cancelled operation complete
      throw ConnectionFault(std::string(what) + ": no answer within " +
                            std::to_string(timeout.count()) + " ms");
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
    input.clear();
  }

  void write(std::string_view data) {
    error_code result = asio::error::would_block;
    asio::async_write(socket, asio::buffer(data.data(), data.size()),
                      [&](error_code ec, std::size_t) { result = ec; });
    run("writing");
    if (result) throw ConnectionFault("writing: " + result.message());
  }

  std::string read_line() {
    error_code result = asio::error::would_block;
    std::size_t n = 0;
    asio::async_read_until(socket, asio::dynamic_buffer(input), "\r\n",
                           [&](error_code ec, std::size_t got) {
                             result = ec;
                             n = got;
                           });
    run("waiting for a reply");
    if (result == asio::error::eof) throw ConnectionFault("the server closed the connection");
    if (result) throw ConnectionFault("reading: " + result.message());
    std::string line = input.substr(0, n - 2);
    input.erase(0, n);
    return line;
  }

  // A reply: lines "250-..." continue it, "250 ..." (or a bare "250") ends it (RFC 5321 4.2.1).
  Reply read_reply() {
    Reply reply;
    for (;;) {
      const std::string line = read_line();
      if (line.size() < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9' ||
          line[2] < '0' || line[2] > '9' || (line.size() > 3 && line[3] != ' ' && line[3] != '-'))
        throw ConnectionFault("not an SMTP reply: " + line.substr(0, 80));
      const int code = std::stoi(line.substr(0, 3));
      if (reply.code != 0 && code != reply.code)
        throw ConnectionFault("a multi-line reply changed its code: " + line.substr(0, 80));
      reply.code = code;
      if (!reply.text.empty()) reply.text += " / ";
      reply.text += line.size() > 4 ? line.substr(4) : "";
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

  core::SendOutcome submit(const std::string& from, const std::string& to,
                           std::string_view mime) {
    const std::string envelope[] = {"MAIL FROM:<" + from + ">\r\n", "RCPT TO:<" + to + ">\r\n",
                                    "DATA\r\n"};
    const char* const verbs[] = {"MAIL", "RCPT", "DATA"};
    std::optional<core::SendOutcome> refused;
    if (pipelining) {
      // RFC 2920: the group is written at once; each command still gets its reply, in order.
      write(envelope[0] + envelope[1] + envelope[2]);
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
        write(envelope[i]);
        Reply r = read_reply();
        const bool expected = i < 2 ? r.code == 250 || r.code == 251 : r.code == 354;
        if (!expected) refused = outcome_of(r, verbs[i]);
      }
    }
    if (refused) return *refused;

    write(dot_stuffed(mime));
    // From here on the server may hold the message: a lost reply leaves it in doubt.
    Reply done;
    try {
      done = read_reply();
    } catch (const ConnectionFault& e) {
      return {core::SendStatus::transient, std::string(kInDoubt) + e.what() +
                                               " after the message was handed over"};
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
    impl_->timeout = std::chrono::milliseconds(500);
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

bool in_doubt(const core::SendOutcome& outcome) {
  return outcome.detail.rfind(kInDoubt, 0) == 0;
}

}  // namespace touchpoint::mail::detail
