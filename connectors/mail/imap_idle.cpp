#include <touchpoint/mail/imap_idle.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "vmime_support.hpp"

namespace touchpoint::mail {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

// A failure of the session; `what()` is the detail reported (before the password is masked).
struct SessionError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// The session was asked to stop.
struct Stopped {};

// Each blocking step waits at most this long between checks of the stop request.
constexpr auto kSlice = std::chrono::milliseconds(200);

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

// An IMAP string for LOGIN (RFC 3501 4.3): quoted when it can be, else a literal.
bool quotable(std::string_view text) {
  return std::none_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == 0 || u == '\r' || u == '\n' || u >= 0x80;
  });
}

std::string imap_quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// One connection: commands with a tag each, responses read line by line.
class Session {
 public:
  Session(const ImapSettings& settings, std::stop_token stop)
      : settings_(settings),
        stop_(std::move(stop)),
        timeout_(std::chrono::seconds(std::max(1, settings.timeout_seconds))) {}

  // TCP (and TLS), greeting, STARTTLS, LOGIN, CAPABILITY. True when IDLE is offered.
  bool open() {
    connect();
    if (settings_.tls == ImapSettings::Tls::implicit) handshake();
    const std::string greeting = read_line(Clock::now() + timeout_);
    if (greeting.starts_with("* BYE")) throw SessionError("the server refused: " + greeting);
    if (!greeting.starts_with("* OK") && !greeting.starts_with("* PREAUTH"))
      throw SessionError("not an IMAP greeting: " + greeting.substr(0, 80));
    if (settings_.tls == ImapSettings::Tls::starttls) {
      command("STARTTLS", "STARTTLS");
      input_.clear();  // nothing sent before the handshake may count as sent over TLS
      handshake();
    }
    login();
    // Asked after login: a server may offer more once the client is authenticated.
    for (const auto& line : command("CAPABILITY", "CAPABILITY")) {
      if (!upper(line).starts_with("* CAPABILITY ")) continue;
      const std::string caps = " " + upper(line.substr(13)) + " ";
      if (caps.find(" IDLE ") != std::string::npos) return true;
    }
    return false;
  }

  // Opens the folder read-only.
  void examine() { command("EXAMINE " + mailbox_name(), "EXAMINE"); }

  // "* 23 EXISTS": the folder has grown (or shrunk and regrown); a fetch finds out.
  static bool reports_mail(const std::string& line) {
    return line.starts_with("* ") && upper(line).ends_with(" EXISTS");
  }

  // Starts IDLE; returns once the server's continuation ("+ idling") arrived: true when new
  // mail was reported before it.
  bool begin_idle() {
    idle_tag_ = next_tag();
    write(idle_tag_ + " IDLE\r\n");
    bool mail = false;
    for (;;) {
      std::string line = read_line(Clock::now() + timeout_);
      if (line.starts_with("+")) return mail;
      if (line.starts_with(idle_tag_ + " ")) throw SessionError("IDLE refused: " + line);
      // Untagged data before the continuation is fine (RFC 2177 example).
      mail = mail || reports_mail(line);
    }
  }

  // Waits in IDLE until the server reports new mail (true) or `until` passes (false).
  bool wait_for_mail(Clock::time_point until) {
    for (;;) {
      auto line = read_line(until, /*deadline_is_failure=*/false);
      if (!line) return false;
      if (reports_mail(*line)) return true;
      if (line->starts_with("* BYE")) throw SessionError("the server closed the session: " + *line);
    }
  }

  // Ends IDLE (DONE) and reads its tagged completion: true when new mail was reported before
  // it (mail arriving while IDLE is renewed must not go unreported).
  bool end_idle() {
    write("DONE\r\n");
    const auto untagged = read_until_tagged(idle_tag_, "IDLE");
    return std::any_of(untagged.begin(), untagged.end(), reports_mail);
  }

  // A polite goodbye after a stop: DONE when idling, LOGOUT; failures ignored.
  void close_politely(bool idling) noexcept {
    try {
      stop_ = std::stop_token();  // a stop is what brought us here: let these last steps run
      timeout_ = std::chrono::milliseconds(500);
      if (idling) end_idle();
      command("LOGOUT", "LOGOUT");
    } catch (...) {  // closing on the way out: nothing useful to do about a failure
    }
    error_code ignored;
    tcp_socket().close(ignored);
  }

 private:
  tcp::socket& tcp_socket() { return stream_.next_layer(); }

  std::string next_tag() { return "t" + std::to_string(++tag_); }

  std::string mailbox_name() const {
    // Non-ASCII folder names need modified UTF-7 (RFC 3501 5.1.3); ours are configured names.
    if (!quotable(settings_.folder))
      throw SessionError("folder '" + settings_.folder + "' is not a 7-bit IMAP name");
    return imap_quoted(settings_.folder);
  }

  // Runs the io_context until `done` or the deadline, checking for a stop request between
  // slices. A stop or a deadline cancels the operation in progress.
  void run(const bool& done, Clock::time_point deadline, bool deadline_is_failure,
           std::string_view what, bool& timed_out) {
    timed_out = false;
    io_.restart();
    while (!done) {
      if (stop_.stop_requested()) {
        cancel(Close::no);  // the connection stays for a polite DONE and LOGOUT
        throw Stopped{};
      }
      const auto now = Clock::now();
      if (now >= deadline) {
        cancel(deadline_is_failure ? Close::yes : Close::no);
        if (deadline_is_failure)
          throw SessionError(std::string(what) + ": no answer within " +
                             std::to_string(settings_.timeout_seconds) + " s");
        timed_out = true;
        return;
      }
      io_.run_for(std::min<Clock::duration>(kSlice, deadline - now));
      if (io_.stopped() && !done) io_.restart();
    }
  }

  enum class Close { yes, no };

  // Cancels the operation in progress; with Close::no the connection stays usable (bytes
  // already received stay in `input_` or in the TLS layer).
  void cancel(Close close) {
    error_code ignored;
    if (close == Close::yes)
      tcp_socket().close(ignored);
    else
      tcp_socket().cancel(ignored);
    io_.restart();
    io_.run();  // lets the cancelled operation complete
  }

  void connect() {
    tcp::resolver resolver(io_);
    bool done = false;
    bool timed_out = false;
    error_code result;
    tcp::resolver::results_type endpoints;
    resolver.async_resolve(settings_.host, std::to_string(settings_.port),
                           [&](error_code ec, tcp::resolver::results_type r) {
                             result = ec;
                             endpoints = std::move(r);
                             done = true;
                           });
    run(done, Clock::now() + timeout_, true, "resolving " + settings_.host, timed_out);
    if (result) throw SessionError("cannot resolve " + settings_.host + ": " + result.message());
    done = false;
    asio::async_connect(tcp_socket(), endpoints, [&](error_code ec, const tcp::endpoint&) {
      result = ec;
      done = true;
    });
    run(done, Clock::now() + timeout_, true, "connecting", timed_out);
    if (result)
      throw SessionError("cannot connect to port " + std::to_string(settings_.port) + ": " +
                         result.message());
    tcp_socket().set_option(tcp::no_delay(true));
  }

  // TLS with the server's name verified against the system CAs or exactly the CA file.
  void handshake() {
    error_code ec;
    if (settings_.ca_file)
      tls_context_.load_verify_file(settings_.ca_file->string(), ec);
    else
      tls_context_.set_default_verify_paths(ec);
    if (ec) throw SessionError("tls: cannot read the CA file: " + ec.message());
    stream_.set_verify_mode(ssl::verify_peer);
    stream_.set_verify_callback(ssl::host_name_verification(settings_.host));
    // SNI, for servers with several names on one address.
    if (!SSL_set_tlsext_host_name(stream_.native_handle(), settings_.host.c_str()))
      throw SessionError("tls: cannot set the server name");
    bool done = false;
    bool timed_out = false;
    error_code result;
    stream_.async_handshake(ssl::stream_base::client, [&](error_code e) {
      result = e;
      done = true;
    });
    run(done, Clock::now() + timeout_, true, "tls handshake", timed_out);
    if (result) {
      std::string reason = result.message();
      if (result.category() == asio::error::get_ssl_category() &&
          ERR_GET_REASON(static_cast<unsigned long>(result.value())) ==
              SSL_R_CERTIFICATE_VERIFY_FAILED)
        reason = "server certificate not trusted (" + reason + ")";
      throw SessionError("tls: " + reason);
    }
    tls_ = true;
  }

  void write(const std::string& data) {
    bool done = false;
    bool timed_out = false;
    error_code result;
    auto handler = [&](error_code ec, std::size_t) {
      result = ec;
      done = true;
    };
    if (tls_)
      asio::async_write(stream_, asio::buffer(data), handler);
    else
      asio::async_write(tcp_socket(), asio::buffer(data), handler);
    run(done, Clock::now() + timeout_, true, "writing", timed_out);
    if (result) throw SessionError("writing: " + result.message());
  }

  // Reads until `input_` holds `delimiter` (or at least `bytes` bytes when delimiter is empty).
  // False when the deadline passed first and that is not a failure.
  bool fill(std::string_view delimiter, std::size_t bytes, Clock::time_point deadline,
            bool deadline_is_failure) {
    bool done = false;
    bool timed_out = false;
    error_code result;
    auto handler = [&](error_code ec, std::size_t) {
      result = ec;
      done = true;
    };
    auto buffer = asio::dynamic_buffer(input_);
    if (!delimiter.empty()) {
      if (input_.find(delimiter) != std::string::npos) return true;
      if (tls_)
        asio::async_read_until(stream_, buffer, std::string(delimiter), handler);
      else
        asio::async_read_until(tcp_socket(), buffer, std::string(delimiter), handler);
    } else {
      if (input_.size() >= bytes) return true;
      const auto more = asio::transfer_at_least(bytes - input_.size());
      if (tls_)
        asio::async_read(stream_, buffer, more, handler);
      else
        asio::async_read(tcp_socket(), buffer, more, handler);
    }
    run(done, deadline, deadline_is_failure, "waiting for the server", timed_out);
    if (timed_out) return false;
    if (result == asio::error::eof || result == ssl::error::stream_truncated)
      throw SessionError("the server closed the connection");
    if (result) throw SessionError("reading: " + result.message());
    return true;
  }

  // One response line without its CRLF; a literal ("{12}") is read and kept in the line.
  std::optional<std::string> read_line(Clock::time_point deadline, bool deadline_is_failure) {
    std::string line;
    for (;;) {
      if (!fill("\r\n", 0, deadline, deadline_is_failure)) return std::nullopt;
      const auto end = input_.find("\r\n");
      line += input_.substr(0, end);
      input_.erase(0, end + 2);
      // "... {12}" announces 12 bytes that follow the CRLF, then the line goes on.
      if (line.empty() || line.back() != '}') return line;
      const auto open = line.rfind('{');
      if (open == std::string::npos) return line;
      const std::string digits = line.substr(open + 1, line.size() - open - 2);
      if (digits.empty() || digits.size() > 9 ||
          digits.find_first_not_of("0123456789") != std::string::npos)
        return line;
      const auto size = static_cast<std::size_t>(std::stoul(digits));
      if (!fill("", size, deadline, true)) return std::nullopt;
      line += input_.substr(0, size);
      input_.erase(0, size);
    }
  }

  std::string read_line(Clock::time_point deadline) { return *read_line(deadline, true); }

  // Reads until the tagged completion; returns the untagged lines. NO and BAD are errors.
  std::vector<std::string> read_until_tagged(const std::string& tag, std::string_view what) {
    std::vector<std::string> untagged;
    const auto deadline = Clock::now() + timeout_;
    for (;;) {
      std::string line = read_line(deadline);
      if (!line.starts_with(tag + " ")) {
        if (line.starts_with("* BYE") && what != "LOGOUT")
          throw SessionError(std::string(what) + ": the server closed the session: " + line);
        untagged.push_back(std::move(line));
        continue;
      }
      const std::string status = upper(line.substr(tag.size() + 1, 3));
      if (status == "OK ") return untagged;
      throw SessionError(std::string(what) + " failed: " + line.substr(tag.size() + 1));
    }
  }

  std::vector<std::string> command(const std::string& text, std::string_view what) {
    const std::string tag = next_tag();
    write(tag + " " + text + "\r\n");
    return read_until_tagged(tag, what);
  }

  // LOGIN user password; a string that cannot be quoted goes as a literal after the server's
  // continuation.
  void login() {
    const std::string tag = next_tag();
    std::string pending = tag + " LOGIN";
    for (const std::string* arg : {&settings_.username, &settings_.password}) {
      if (quotable(*arg)) {
        pending += " " + imap_quoted(*arg);
        continue;
      }
      write(pending + " {" + std::to_string(arg->size()) + "}\r\n");
      const std::string go_on = read_line(Clock::now() + timeout_);
      if (!go_on.starts_with("+")) throw SessionError("auth: LOGIN refused: " + go_on);
      pending = *arg;
    }
    write(pending + "\r\n");
    try {
      read_until_tagged(tag, "LOGIN");
    } catch (const SessionError& e) {
      throw SessionError(std::string("auth: ") + e.what());
    }
  }

  const ImapSettings& settings_;
  std::stop_token stop_;
  std::chrono::milliseconds timeout_;
  asio::io_context io_;
  ssl::context tls_context_{ssl::context::tls_client};
  ssl::stream<tcp::socket> stream_{io_, tls_context_};
  bool tls_ = false;
  std::string input_;  // received bytes not yet consumed
  unsigned tag_ = 0;
  std::string idle_tag_;
};

}  // namespace

struct ImapIdleWatcher::Impl {
  ImapSettings settings;
  Listener listener;
  IdleOptions options;
  std::mutex mutex;
  std::condition_variable_any wake;
  std::jthread thread;

  void report(IdleEvent::Kind kind, std::string text = {}) {
    listener(IdleEvent{kind, detail::without_secret(std::move(text), settings.password)});
  }

  // One session: true when it ended because IDLE is not offered.
  bool session(std::stop_token stop, std::chrono::milliseconds& backoff) {
    Session s(settings, stop);
    bool idling = false;
    try {
      if (!s.open()) {
        s.close_politely(false);
        return true;
      }
      s.examine();
      s.begin_idle();  // mail before it is read at the start anyway
      idling = true;
      backoff = options.first_backoff;
      report(IdleEvent::Kind::idling);
      for (;;) {
        const bool mail = s.wait_for_mail(Clock::now() + options.refresh);
        report(mail ? IdleEvent::Kind::new_mail : IdleEvent::Kind::refresh);
        if (mail) continue;  // still idling: the fetch runs on its own connection
        // RFC 2177: leave and re-enter IDLE before the server's inactivity timer ends it.
        idling = false;
        const bool arrived = s.end_idle();
        const bool arrived_after = s.begin_idle();
        idling = true;
        if (arrived || arrived_after) report(IdleEvent::Kind::new_mail);
      }
    } catch (const Stopped&) {
      s.close_politely(idling);
      return false;
    }
  }

  void run(std::stop_token stop) {
    std::chrono::milliseconds backoff = options.first_backoff;
    while (!stop.stop_requested()) {
      std::string failure;
      try {
        if (session(stop, backoff)) {
          report(IdleEvent::Kind::not_offered,
                 "imap " + settings.host + ": the server does not offer IDLE");
          return;
        }
        return;  // stopped
      } catch (const SessionError& e) {
        failure = e.what();
      } catch (const std::exception& e) {
        failure = e.what();
      }
      if (!failure.starts_with("auth: ") && !failure.starts_with("tls: "))
        failure = "imap " + settings.host + ": " + failure;
      report(IdleEvent::Kind::failed,
             failure + "; trying again in " + std::to_string(backoff.count()) + " ms");
      std::unique_lock lock(mutex);
      wake.wait_for(lock, stop, backoff, [] { return false; });
      backoff = std::min(backoff * 2, options.max_backoff);
    }
  }
};

ImapIdleWatcher::ImapIdleWatcher(ImapSettings settings, Listener listener, IdleOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->settings = std::move(settings);
  impl_->listener = std::move(listener);
  impl_->options = options;
  impl_->thread = std::jthread([impl = impl_.get()](std::stop_token stop) { impl->run(stop); });
}

ImapIdleWatcher::~ImapIdleWatcher() {
  impl_->thread.request_stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace touchpoint::mail
