#pragma once
// A synchronous HTTP/1.1 client for calling remote APIs (Salesforce): HTTPS through OpenSSL
// with the certificate verified against the system store (or `ca_file`) and the host name
// checked and sent as SNI, a deadline on every request, kept-alive connections reused per
// host, and an optional proxy through HTTPS_PROXY (an HTTP CONNECT tunnel). Plain http:// is
// accepted for servers on the loopback address only (local test servers).
//
// Thread-safety: a Client is NOT thread-safe; give each thread its own (they are cheap; each
// keeps its own connection pool).

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace touchpoint::http {

struct Request {
  std::string method = "GET";  // "GET", "POST", "PATCH", ...
  std::string url;             // absolute: "https://host[:port]/path?query"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; the last value wins
  std::string body;

  // The header's value, "" when absent (name in any case).
  std::string header(const std::string& name) const;
};

// Why a request got no response.
enum class FailureKind {
  invalid_request,  // a malformed URL, http:// to a non-loopback host: permanent
  connect,          // name resolution, connection refused, proxy refused: transient
  tls,              // handshake or certificate verification failed: permanent
  timeout,          // the deadline passed: transient
  io,               // the connection broke mid-exchange: transient
};
const char* to_string(FailureKind kind) noexcept;

// Thrown by Client::request when no response was received.
struct Failure : std::runtime_error {
  Failure(FailureKind kind_, const std::string& what) : std::runtime_error(what), kind(kind_) {}
  FailureKind kind;
  bool transient() const {
    return kind == FailureKind::connect || kind == FailureKind::timeout || kind == FailureKind::io;
  }
};

struct ClientOptions {
  std::chrono::milliseconds timeout{30'000};  // per request: connect, TLS, write and read
  std::string ca_file;        // PEM bundle to trust instead of the system store; "" = system
  std::string proxy;          // "http://proxy:3128"; "" = from HTTPS_PROXY / https_proxy
  bool use_env_proxy = true;  // read HTTPS_PROXY (and NO_PROXY) when `proxy` is empty
  std::size_t max_idle_per_host = 8;
  std::size_t max_body_bytes = 64 * 1024 * 1024;
  std::string user_agent = "touchpoint/0.1";
};

class Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends the request and returns the response, whatever its status. A kept-alive connection
  // to the same scheme/host/port is reused when one is idle; a reused connection that turns out
  // to be closed by the server is retried once on a fresh one. Throws Failure when no response
  // came (see FailureKind).
  Response request(const Request& request);

  // Connections opened so far (for tests and benchmarks: reuse shows as few connections).
  std::size_t connections_opened() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes a query component (RFC 3986 unreserved kept; space as %20).
std::string url_encode(const std::string& text);

}  // namespace touchpoint::http
