// The HTTPS client: Beast over Asio, each operation run on the client's own io_context until it
// completes or the request's deadline passes (beast::tcp_stream's timeouts apply to async
// operations only, hence async calls driven synchronously).
#include <touchpoint/http/client.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <deque>
#include <functional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <openssl/ssl.h>

namespace touchpoint::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

const char* to_string(FailureKind kind) noexcept {
  switch (kind) {
    case FailureKind::invalid_request: return "invalid_request";
    case FailureKind::connect: return "connect";
    case FailureKind::tls: return "tls";
    case FailureKind::timeout: return "timeout";
    case FailureKind::io: return "io";
  }
  return "io";
}

std::string Response::header(const std::string& name) const {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto it = headers.find(lower);
  return it == headers.end() ? std::string() : it->second;
}

std::string url_encode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

namespace {

struct Target {
  bool tls = true;
  std::string host;
  std::string port;
  std::string path;  // path and query, "/" at least
  std::string key() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};

bool is_loopback(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  return host.rfind("127.", 0) == 0;
}

Target parse_target(const std::string& url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) throw Failure(FailureKind::invalid_request, "malformed URL: " + url);
  Target t;
  auto scheme = std::string(parsed->scheme());
  if (scheme == "https") {
    t.tls = true;
  } else if (scheme == "http") {
    t.tls = false;
  } else {
    throw Failure(FailureKind::invalid_request, "unsupported URL scheme: " + scheme);
  }
  t.host = std::string(parsed->encoded_host());
  if (t.host.empty()) throw Failure(FailureKind::invalid_request, "URL has no host: " + url);
  t.port = parsed->has_port() ? std::string(parsed->port()) : (t.tls ? "443" : "80");
  t.path = std::string(parsed->encoded_path());
  if (t.path.empty()) t.path = "/";
  if (parsed->has_query()) t.path += "?" + std::string(parsed->encoded_query());
  // Plain HTTP would send tokens in clear: only for a test server on this machine.
  if (!t.tls && !is_loopback(t.host))
    throw Failure(FailureKind::invalid_request,
                  "plain http:// is allowed for loopback servers only: " + t.host);
  return t;
}

// The proxy to use for `host`, from HTTPS_PROXY unless NO_PROXY lists the host; loopback
// hosts never go through a proxy.
std::optional<Target> proxy_for(const ClientOptions& options, const std::string& host) {
  if (is_loopback(host)) return std::nullopt;
  std::string proxy = options.proxy;
  if (proxy.empty() && options.use_env_proxy) {
    const char* env = std::getenv("HTTPS_PROXY");
    if (!env) env = std::getenv("https_proxy");
    if (env) proxy = env;
    const char* no = std::getenv("NO_PROXY");
    if (!no) no = std::getenv("no_proxy");
    if (no && !proxy.empty()) {
      std::string list = no;
      std::size_t start = 0;
      while (start <= list.size()) {
        auto end = list.find(',', start);
        if (end == std::string::npos) end = list.size();
        std::string entry = list.substr(start, end - start);
        entry.erase(0, entry.find_first_not_of(' '));
        entry.erase(entry.find_last_not_of(' ') + 1);
        if (!entry.empty() && entry[0] == '.') entry.erase(0, 1);
        if (entry == "*") return std::nullopt;
        if (!entry.empty() && (host == entry || (host.size() > entry.size() &&
                                                 host.ends_with("." + entry))))
          return std::nullopt;
        start = end + 1;
      }
    }
  }
  if (proxy.empty()) return std::nullopt;
  if (proxy.find("://") == std::string::npos) proxy = "http://" + proxy;
  auto parsed = boost::urls::parse_absolute_uri(proxy);
  if (!parsed) throw Failure(FailureKind::invalid_request, "malformed proxy URL");
  Target t;
  t.tls = false;
  t.host = std::string(parsed->encoded_host());
  t.port = parsed->has_port() ? std::string(parsed->port()) : "3128";
  return t;
}

struct Connection {
  std::string key;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

}  // namespace

struct Client::Impl {
  ClientOptions options;
  asio::io_context ioc;
  ssl::context tls_context{ssl::context::tls_client};
  std::map<std::string, std::deque<std::unique_ptr<Connection>>> idle;
  std::size_t opened = 0;

  explicit Impl(ClientOptions o) : options(std::move(o)) {
    tls_context.set_verify_mode(ssl::verify_peer);
    tls_context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                            ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    if (options.ca_file.empty()) {
      tls_context.set_default_verify_paths(ec);
    } else {
      tls_context.load_verify_file(options.ca_file, ec);
      if (ec)
        throw Failure(FailureKind::invalid_request,
                      "cannot read ca_file " + options.ca_file + ": " + ec.message());
    }
  }

  // Runs the io_context until the started operation completes; the stream's expiry (or, for
  // name resolution, `deadline`) bounds it.
  void drive(Clock::time_point deadline, bool& done, const std::function<void()>& cancel) {
    ioc.restart();
    while (!done) {
      auto left = deadline - Clock::now();
      if (left <= Clock::duration::zero()) {
        cancel();
        ioc.restart();
        ioc.run();
        break;
      }
      ioc.run_one_for(left);
    }
  }

  tcp::resolver::results_type resolve(const Target& t, Clock::time_point deadline) {
    tcp::resolver resolver(ioc);
    boost::system::error_code ec;
    tcp::resolver::results_type results;
    bool done = false;
    resolver.async_resolve(t.host, t.port,
                           [&](boost::system::error_code e, tcp::resolver::results_type r) {
                             ec = e;
                             results = std::move(r);
                             done = true;
                           });
    drive(deadline, done, [&] { resolver.cancel(); });
    if (!done) throw Failure(FailureKind::timeout, "timed out resolving " + t.host);
    if (ec) throw Failure(FailureKind::connect, "cannot resolve " + t.host + ": " + ec.message());
    return results;
  }

  // Starts an async operation with `start(handler)` and waits for it under the stream's expiry.
  template <typename Start>
  boost::system::error_code wait(beast::tcp_stream& stream, Clock::time_point deadline,
                                 Start start) {
    boost::system::error_code ec;
    bool done = false;
    stream.expires_at(deadline);
    start([&](boost::system::error_code e, auto&&...) {
      ec = e;
      done = true;
    });
    drive(deadline + std::chrono::seconds(1), done, [&] { stream.cancel(); });
    if (!done) return beast::error::timeout;
    return ec;
  }

  [[noreturn]] void fail_io(boost::system::error_code ec, const std::string& what,
                            FailureKind otherwise) {
    if (ec == beast::error::timeout || ec == asio::error::operation_aborted)
      throw Failure(FailureKind::timeout, "timed out " + what);
    throw Failure(otherwise, what + ": " + ec.message());
  }

  std::unique_ptr<Connection> open(const Target& t, Clock::time_point deadline) {
    auto c = std::make_unique<Connection>();
    c->key = t.key();
    auto proxy = proxy_for(options, t.host);
    const Target& first_hop = proxy ? *proxy : t;
    auto endpoints = resolve(first_hop, deadline);
    auto stream = std::make_unique<beast::tcp_stream>(ioc);
    auto ec = wait(*stream, deadline, [&](auto handler) {
      stream->async_connect(endpoints, [h = std::move(handler)](boost::system::error_code e,
                                                                const tcp::endpoint&) mutable {
        h(e);
      });
    });
    if (ec) fail_io(ec, "connecting to " + first_hop.host + ":" + first_hop.port, FailureKind::connect);
    stream->socket().set_option(tcp::no_delay(true));
    ++opened;

    if (proxy) {
      // HTTP CONNECT: the proxy opens a tunnel to the target; TLS then runs end to end.
      bhttp::request<bhttp::empty_body> connect{bhttp::verb::connect, t.host + ":" + t.port, 11};
      connect.set(bhttp::field::host, t.host + ":" + t.port);
      ec = wait(*stream, deadline,
                [&](auto handler) { bhttp::async_write(*stream, connect, std::move(handler)); });
      if (ec) fail_io(ec, "writing CONNECT to the proxy", FailureKind::connect);
      bhttp::response_parser<bhttp::empty_body> parser;
      parser.skip(true);  // a CONNECT response has no body
      ec = wait(*stream, deadline, [&](auto handler) {
        bhttp::async_read_header(*stream, c->buffer, parser, std::move(handler));
      });
      if (ec) fail_io(ec, "reading the proxy's CONNECT reply", FailureKind::connect);
      if (parser.get().result_int() / 100 != 2)
        throw Failure(FailureKind::connect,
                      "the proxy refused CONNECT: " + std::to_string(parser.get().result_int()));
    }

    if (!t.tls) {
      c->plain = std::move(stream);
      return c;
    }
    c->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(*stream), tls_context);
    // SNI, and the certificate must name the host.
    if (!SSL_set_tlsext_host_name(c->tls->native_handle(), t.host.c_str()))
      throw Failure(FailureKind::tls, "cannot set SNI for " + t.host);
    c->tls->set_verify_callback(ssl::host_name_verification(t.host));
    ec = wait(c->lowest(), deadline, [&](auto handler) {
      c->tls->async_handshake(ssl::stream_base::client, std::move(handler));
    });
    if (ec) fail_io(ec, "TLS handshake with " + t.host, FailureKind::tls);
    return c;
  }

  struct Exchange {
    std::optional<Response> response;
    boost::system::error_code ec;
    bool wrote = false;
    bool keep_alive = false;
  };

  template <typename Stream>
  Exchange exchange(Connection& c, Stream& stream, const bhttp::request<bhttp::string_body>& req,
                    Clock::time_point deadline) {
    Exchange x;
    x.ec = wait(c.lowest(), deadline,
                [&](auto handler) { bhttp::async_write(stream, req, std::move(handler)); });
    if (x.ec) return x;
    x.wrote = true;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options.max_body_bytes);
    parser.header_limit(64 * 1024);
    if (req.method() == bhttp::verb::head) parser.skip(true);
    x.ec = wait(c.lowest(), deadline, [&](auto handler) {
      bhttp::async_read(stream, c.buffer, parser, std::move(handler));
    });
    if (x.ec) return x;
    auto msg = parser.release();
    Response r;
    r.status = static_cast<int>(msg.result_int());
    for (const auto& field : msg) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      r.headers[name] = std::string(field.value());
    }
    r.body = std::move(msg.body());
    x.keep_alive = msg.keep_alive();
    x.response = std::move(r);
    return x;
  }

  Response request(const Request& in) {
    auto deadline = Clock::now() + options.timeout;
    Target t = parse_target(in.url);
    auto verb = bhttp::string_to_verb(in.method);
    if (verb == bhttp::verb::unknown)
      throw Failure(FailureKind::invalid_request, "unknown method " + in.method);
    bhttp::request<bhttp::string_body> req{verb, t.path, 11};
    bool default_port = (t.tls && t.port == "443") || (!t.tls && t.port == "80");
    req.set(bhttp::field::host, default_port ? t.host : t.host + ":" + t.port);
    req.set(bhttp::field::user_agent, options.user_agent);
    for (const auto& [name, value] : in.headers) req.set(name, value);
    req.body() = in.body;
    req.keep_alive(true);
    req.prepare_payload();

    for (int attempt = 0;; ++attempt) {
      std::unique_ptr<Connection> c;
      bool reused = false;
      auto& pool = idle[t.key()];
      if (!pool.empty()) {
        c = std::move(pool.back());
        pool.pop_back();
        reused = true;
      } else {
        c = open(t, deadline);
      }
      Exchange x = c->tls ? exchange(*c, *c->tls, req, deadline) : exchange(*c, *c->plain, req, deadline);
      if (x.response) {
        if (x.keep_alive && c->buffer.size() == 0 && pool.size() < options.max_idle_per_host)
          pool.push_back(std::move(c));
        return std::move(*x.response);
      }
      // A kept-alive connection the server closed meanwhile: once more on a fresh one.
      bool stale = x.ec == bhttp::error::end_of_stream || x.ec == asio::error::eof ||
                   x.ec == asio::error::connection_reset || x.ec == asio::error::broken_pipe ||
                   x.ec == ssl::error::stream_truncated;
      if (reused && stale && attempt == 0) continue;
      fail_io(x.ec, (x.wrote ? "reading the response from " : "sending the request to ") + t.host,
              FailureKind::io);
    }
  }
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() = default;

Response Client::request(const Request& request) { return impl_->request(request); }

std::size_t Client::connections_opened() const { return impl_->opened; }

}  // namespace touchpoint::http
