#pragma once
// What the route handlers see and return: the request, its decoded path parameters and query,
// the worker's Service, and the answer (a response, or the start of a live feed).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

#include <touchpoint/bridge/hit_recorder.hpp>
#include <touchpoint/bridge/server.hpp>
#include <touchpoint/bridge/service.hpp>

#include "metrics.hpp"
#include "router.hpp"

namespace touchpoint::bridge::http {

namespace bhttp = boost::beast::http;
using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

struct Exchange {
  const Request& request;
  const PathParams& params;
  const Query& query;
  Service& service;
  const ServerOptions& options;
  Metrics& metrics;
  std::optional<core::User> user;  // set on routes that need auth
  Hit hit;
  core::Timestamp now;
  HitRecorder* recorder = nullptr;  // the server's group commit for tracking hits
};

// The answer of a route that replies later (a tracking hit waiting for its commit): it is
// called once with a function to call, once, on any thread, with the response.
using Reply = std::function<void(Response)>;
using Deferred = std::function<void(Reply)>;

struct Outcome {
  Response response;
  // Set: the response is a live feed's header; events with a larger id follow.
  std::optional<std::int64_t> feed_after;
  // Set: `response` is unused; the answer comes through this.
  Deferred deferred = {};
};

struct Route {
  bhttp::verb method;
  std::string pattern;
  bool auth;
  Outcome (*handle)(Exchange&);
};

// The route table (routes.cpp): every route in one place.
const std::vector<Route>& routes();

// {"error":{"code","message","details"?}} with `status`.
Response error_response(unsigned status, std::string_view code, std::string_view message,
                        const Json& details = nullptr);
Response json_response(unsigned status, const Json& body);
Response json_text_response(unsigned status, std::string body);  // body: JSON already written

// A static file under `root` for the decoded relative path `relative` ("index.html",
// "js/app.js"); 404 JSON when missing or when the path tries to leave `root`.
Response static_file(const std::filesystem::path& root, const std::string& relative);

}  // namespace touchpoint::bridge::http
