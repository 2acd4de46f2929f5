#pragma once
// From a parsed request to an answer: routing, CORS (and preflight), bearer auth, the call to
// the route's handler, and the mapping of every error to a JSON error with a stable code.
// Thread-safe: the Service is the calling worker's; writing routes take turns (one mutex),
// and each worker thread keeps its own short-lived cache of authenticated tokens. Tracking
// hits go to the server's HitRecorder instead, and their answers come later (deferred).
// HEAD is routed as GET (the session leaves the body out).

#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/ip/network_v6.hpp>

#include "exchange.hpp"

namespace touchpoint::bridge::http {

class Dispatcher {
 public:
  // Throws std::runtime_error naming trusted_proxies[i] for an entry that is neither an IP
  // address nor a CIDR range.
  Dispatcher(const ServerOptions& options, Metrics& metrics, HitRecorder& recorder);

  // `peer_address`: the TCP peer's. A deferred outcome's reply gets CORS and metrics too.
  Outcome handle(const Request& request, Service& service, const std::string& peer_address);

  // The client's address: the peer's, or, when the peer is a trusted proxy, the last address
  // of X-Forwarded-For that is not a trusted proxy itself (the leftmost when all are).
  std::string client_address(const Request& request, const std::string& peer_address) const;

  // Adds Access-Control-Allow-Origin when the request's Origin is a configured one (also used
  // for errors answered before a request reaches handle(), such as 413).
  void add_cors(std::string_view origin, Response& response) const;

 private:
  Outcome route(const Request& request, Service& service, const std::string& remote_address,
                std::size_t& route_index);
  bool allowed_origin(std::string_view origin) const;
  bool trusted_proxy(const std::string& address) const;

  const ServerOptions& options_;
  Metrics& metrics_;
  HitRecorder& recorder_;
  Router router_;
  std::mutex write_mutex_;
  std::vector<boost::asio::ip::network_v6> trusted_;  // IPv4 ranges as IPv4-mapped ones
};

}  // namespace touchpoint::bridge::http
