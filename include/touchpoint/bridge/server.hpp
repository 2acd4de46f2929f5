#pragma once
// The bridge's HTTP server (DESIGN.md §8): HTTP/1.1 with keep-alive on Boost.Beast, in front
// of bridge::Service. Routes, error codes and the feed's wire format: notes/routes.md and
// plugins/bridge/openapi.yaml.
//
// Threads: `threads` workers, each with its own io_context, its own store::Store (one SQLite
// connection, WAL) and its own Service; a connection lives on one worker for its whole life,
// so a Service is only ever used by the thread that owns it. Opens and clicks are recorded by
// one more thread for all workers, many per transaction (HitRecorder); their answers are
// written when the transaction has committed, and the worker serves others meanwhile.
//
// HEAD is answered on every GET route, like GET without the body.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <touchpoint/engine/engine.hpp>

namespace touchpoint::bridge {

struct ServerLimits {
  std::size_t body_bytes = 1024 * 1024;  // larger bodies: 413 payload_too_large
  std::size_t header_bytes = 16 * 1024;  // larger headers: 431
  std::chrono::seconds read_timeout{30};  // to read a request's body once its header is in: 408
  std::chrono::seconds idle_timeout{60};  // a keep-alive connection waiting for its next request
  std::chrono::seconds write_timeout{30};
};

struct TlsFiles {
  std::filesystem::path cert_file;  // PEM certificate chain
  std::filesystem::path key_file;   // PEM private key
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (see Server::port())
  std::size_t threads = 2;
  std::filesystem::path database;  // each worker opens its own connection to it
  engine::EngineConfig engine;     // public URL and tracking secret, for the Service
  std::vector<std::string> cors_origins;  // exact origins ("https://x.test"), or "*"
  // Reverse proxies whose X-Forwarded-For names the client (addresses or CIDR ranges:
  // "127.0.0.1", "10.0.0.0/8", "::1"). Empty, the default: no header is believed and the
  // TCP peer is the client, since anyone can send the header. The client's address is what
  // tracking hits record and classify (mail privacy proxies, link scanners).
  std::vector<std::string> trusted_proxies;
  std::optional<TlsFiles> tls;
  ServerLimits limits;
  std::filesystem::path static_dir;  // the command center's files; empty: none served
  std::chrono::milliseconds feed_poll{200};      // how often a live feed looks for new events
  std::chrono::seconds feed_keepalive{15};       // a comment line when nothing else was sent
  std::chrono::seconds drain_timeout{10};        // in-flight requests get this long on stop
  bool stop_on_signals = false;                  // SIGTERM/SIGINT call request_stop()
};

// One entry of the route table, for listings (the OpenAPI coverage test, --help texts).
struct RouteInfo {
  std::string method;   // "GET"
  std::string pattern;  // "/api/v1/tasks/{id}/complete"
  bool auth = false;    // needs a bearer token
};

// Every route the server answers, in table order.
std::vector<RouteInfo> route_table();

class Server {
 public:
  // Opens one store per worker and binds the listening socket; throws std::runtime_error
  // (naming the file or address) when the database, the TLS files or the address are bad.
  explicit Server(ServerOptions options);
  ~Server();  // request_stop() then wait()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Starts the worker threads; returns at once.
  void start();
  std::uint16_t port() const;  // the bound port (useful with port 0)
  std::string url() const;     // "http://127.0.0.1:8080"

  // Thread-safe, idempotent: stops accepting, closes idle connections and live feeds, and
  // lets requests in flight finish (within drain_timeout).
  void request_stop();
  // Blocks until every worker has finished after request_stop() (or a signal).
  void wait();

  // The engine loop's figures, shown by /metrics (`serve` runs the engine beside the server).
  void record_engine_tick(std::size_t sent, std::size_t deferred, std::size_t failed);
  void record_engine_error();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace touchpoint::bridge
