#pragma once
// From a parsed request to an answer: routing, CORS (and preflight), bearer auth, the call to
// the route's handler, and the mapping of every error to a JSON error with a stable code.
// Thread-safe: the Service is the calling worker's; writing routes take turns (one mutex),
// and each worker thread keeps its own short-lived cache of authenticated tokens.

#include <mutex>
#include <string>

#include "exchange.hpp"

namespace touchpoint::bridge::http {

class Dispatcher {
 public:
  Dispatcher(const ServerOptions& options, Metrics& metrics);

  Outcome handle(const Request& request, Service& service, const std::string& remote_address);

  // Adds Access-Control-Allow-Origin when the request's Origin is a configured one (also used
  // for errors answered before a request reaches handle(), such as 413).
  void add_cors(std::string_view origin, Response& response) const;

 private:
  Outcome route(const Request& request, Service& service, const std::string& remote_address,
                std::size_t& route_index);
  bool allowed_origin(std::string_view origin) const;

  const ServerOptions& options_;
  Metrics& metrics_;
  Router router_;
  std::mutex write_mutex_;
};

}  // namespace touchpoint::bridge::http
