// API v1 over real HTTP: auth, errors with their stable codes, limits, paging, concurrency,
// CORS, metrics, static files.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <memory>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "bridge_fixture.hpp"

using namespace touchpoint::testing;
using nlohmann::json;

namespace {

std::string error_code(const HttpResponse& r) {
  auto body = json::parse(r.body());
  return body.at("error").at("code").get<std::string>();
}

bool is_json(const HttpResponse& r) {
  return std::string(r[bhttp::field::content_type]).rfind("application/json", 0) == 0;
}

}  // namespace

TEST_CASE("/healthz answers ok without a token", "[net]") {
  BridgeFixture f;
  auto r = f.client().get("/healthz");
  CHECK(r.result_int() == 200);
  CHECK(json::parse(r.body()) == json{{"status", "ok"}});
}

TEST_CASE("an API route without a token, or with a wrong one, answers 401 unauthorized", "[net]") {
  BridgeFixture f;
  auto c = f.client();
  auto missing = c.get("/api/v1/tasks");
  CHECK(missing.result_int() == 401);
  CHECK(is_json(missing));
  CHECK(error_code(missing) == "unauthorized");

  auto wrong = c.get("/api/v1/tasks", bearer("tp_not-a-real-token"));
  CHECK(wrong.result_int() == 401);
  CHECK(error_code(wrong) == "unauthorized");

  auto good = c.get("/api/v1/me", bearer(f.token(kAnna)));
  REQUIRE(good.result_int() == 200);
  CHECK(json::parse(good.body())["user"]["email"] == kAnna);

  // The scheme's name is case-insensitive (RFC 9110 §11.1); another scheme is no token.
  const auto token = f.token(kAnna);
  CHECK(c.get("/api/v1/me", {{"Authorization", "bearer " + token}}).result_int() == 200);
  CHECK(c.get("/api/v1/me", {{"Authorization", "BEARER " + token}}).result_int() == 200);
  CHECK(c.get("/api/v1/me", {{"Authorization", "Basic " + token}}).result_int() == 401);
  CHECK(c.get("/api/v1/me", {{"Authorization", "Bearer"}}).result_int() == 401);
}

TEST_CASE("a body that is not JSON answers 400 bad_json", "[net]") {
  BridgeFixture f;
  auto token = f.token(kAnna);
  auto c = f.client();
  auto tasks = json::parse(c.get("/api/v1/tasks?limit=1", bearer(token)).body());
  REQUIRE(!tasks["tasks"].empty());
  auto id = tasks["tasks"][0]["id"].get<std::int64_t>();
  auto r =
      c.post("/api/v1/tasks/" + std::to_string(id) + "/complete", "{\"outcome\": ", bearer(token));
  CHECK(r.result_int() == 400);
  CHECK(error_code(r) == "bad_json");
  // The connection stays usable after an error.
  CHECK(c.get("/healthz").result_int() == 200);
}

TEST_CASE("a body over the limit answers 413 payload_too_large", "[net]") {
  BridgeFixture f([](auto& o) { o.limits.body_bytes = 1024; });
  auto r = f.client().post("/api/v1/enrollments", std::string(4096, ' '), bearer(f.token(kAnna)));
  CHECK(r.result_int() == 413);
  CHECK(error_code(r) == "payload_too_large");
}

TEST_CASE("a header over the limit answers 431", "[net]") {
  BridgeFixture f([](auto& o) { o.limits.header_bytes = 2048; });
  auto r = f.client().get("/healthz", {{"X-Padding", std::string(4096, 'x')}});
  CHECK(r.result_int() == 431);
}

TEST_CASE("an unknown route answers 404 not_found, a wrong method 405", "[net]") {
  BridgeFixture f;
  auto c = f.client();
  auto r = c.get("/api/v1/no-such-thing", bearer(f.token(kAnna)));
  CHECK(r.result_int() == 404);
  CHECK(is_json(r));
  CHECK(error_code(r) == "not_found");
  auto m = c.post("/api/v1/me", "{}", bearer(f.token(kAnna)));
  CHECK(m.result_int() == 405);
  CHECK(error_code(m) == "method_not_allowed");
  CHECK(std::string(m[bhttp::field::allow]) == "GET, HEAD");
}

TEST_CASE("paging over /api/v1/tasks visits every task once", "[net]") {
  BridgeFixture f;
  auto token = f.token(kAnna);
  auto c = f.client();
  std::set<std::int64_t> seen;
  std::int64_t total = -1;
  std::string target = "/api/v1/tasks?owner=" + std::string(kAnna) + "&limit=1&offset=0";
  int pages = 0;
  for (;;) {
    auto r = c.get(target, bearer(token));
    REQUIRE(r.result_int() == 200);
    auto page = json::parse(r.body());
    total = page["total"].get<std::int64_t>();
    CHECK(page["tasks"].size() <= 1);
    for (const auto& t : page["tasks"]) CHECK(seen.insert(t["id"].get<std::int64_t>()).second);
    ++pages;
    if (page["next_offset"].is_null()) break;
    REQUIRE(pages < 100);
    target = "/api/v1/tasks?owner=" + std::string(kAnna) +
             "&limit=1&offset=" + std::to_string(page["next_offset"].get<std::int64_t>());
  }
  REQUIRE(total >= 2);  // the demo gives Anna open tasks for several pages
  CHECK(static_cast<std::int64_t>(seen.size()) == total);
  CHECK(pages == total);
}

TEST_CASE("completing one task from several connections at once: exactly one 200, the rest 409",
          "[net]") {
  BridgeFixture f([](auto& o) { o.threads = 4; });
  auto token = f.token(kAnna);
  auto tasks = json::parse(f.client().get("/api/v1/tasks?limit=1", bearer(token)).body());
  REQUIRE(!tasks["tasks"].empty());
  auto target =
      "/api/v1/tasks/" + std::to_string(tasks["tasks"][0]["id"].get<std::int64_t>()) + "/complete";
  constexpr int kClients = 8;
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(std::make_unique<HttpClient>(f.port()));
  std::atomic<int> ready{0};
  std::vector<unsigned> statuses(kClients);
  std::vector<std::string> codes(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i)
    threads.emplace_back([&, i] {
      ++ready;
      while (ready < kClients) std::this_thread::yield();
      auto r = clients[static_cast<std::size_t>(i)]->post(
          target, R"({"outcome":"connected","notes":"race"})", bearer(token));
      statuses[static_cast<std::size_t>(i)] = r.result_int();
      if (r.result_int() != 200) codes[static_cast<std::size_t>(i)] = error_code(r);
    });
  for (auto& t : threads) t.join();
  CHECK(std::count(statuses.begin(), statuses.end(), 200u) == 1);
  CHECK(std::count(statuses.begin(), statuses.end(), 409u) == kClients - 1);
  CHECK(std::count(codes.begin(), codes.end(), "conflict") == kClients - 1);
}

TEST_CASE("a CORS preflight from a configured origin is allowed, from another is not", "[net]") {
  BridgeFixture f;
  auto c = f.client();
  HttpRequest pre{bhttp::verb::options, "/api/v1/tasks", 11};
  pre.set(bhttp::field::origin, kOrigin);
  pre.set(bhttp::field::access_control_request_method, "GET");
  pre.set(bhttp::field::access_control_request_headers, "authorization");
  auto r = c.send(pre);
  CHECK(r.result_int() == 204);
  CHECK(std::string(r[bhttp::field::access_control_allow_origin]) == kOrigin);
  CHECK(std::string(r[bhttp::field::access_control_allow_methods]).find("GET") !=
        std::string::npos);
  CHECK(std::string(r[bhttp::field::access_control_allow_headers]) == "authorization");

  pre.set(bhttp::field::origin, "https://evil.test");
  auto other = c.send(pre);
  CHECK(other[bhttp::field::access_control_allow_origin].empty());

  // The actual request carries the header too, errors included.
  auto get = c.get("/api/v1/tasks", {{"Origin", kOrigin}});
  CHECK(get.result_int() == 401);
  CHECK(std::string(get[bhttp::field::access_control_allow_origin]) == kOrigin);
}

TEST_CASE("/metrics counts requests by route and status and shows the queues", "[net]") {
  BridgeFixture f;
  auto c = f.client();
  c.get("/healthz");
  c.get("/api/v1/tasks");
  auto r = c.get("/metrics");
  REQUIRE(r.result_int() == 200);
  const auto& text = r.body();
  CHECK(text.find("touchpoint_http_requests_total{route=\"GET /healthz\",status=\"200\"} 1") !=
        std::string::npos);
  CHECK(text.find("touchpoint_http_requests_total{route=\"GET /api/v1/tasks\",status=\"401\"} 1") !=
        std::string::npos);
  CHECK(text.find("touchpoint_http_request_duration_seconds_bucket{route=\"GET "
                  "/healthz\",le=\"+Inf\"} 1") != std::string::npos);
  CHECK(text.find("touchpoint_queue_size{queue=\"open_tasks\"}") != std::string::npos);
  CHECK(text.find("touchpoint_engine_sends_total{outcome=\"sent\"} 0") != std::string::npos);
}

TEST_CASE("static files: / is index.html, types by extension, no way out of the folder", "[net]") {
  BridgeFixture f;
  auto c = f.client();
  auto index = c.get("/");
  CHECK(index.result_int() == 200);
  CHECK(std::string(index[bhttp::field::content_type]).rfind("text/html", 0) == 0);
  CHECK(index.body().find("<title>Touchpoint</title>") != std::string::npos);
  auto js = c.get("/app/js/app.js");
  CHECK(js.result_int() == 200);
  CHECK(std::string(js[bhttp::field::content_type]).rfind("text/javascript", 0) == 0);
  for (const char* attack : {"/app/../secret.txt", "/app/..%2fsecret.txt", "/app/%2e%2e/secret.txt",
                             "/app/js/..%2f..%2fsecret.txt", "/app/%2fetc%2fpasswd"}) {
    INFO(attack);
    auto r = c.get(attack);
    CHECK(r.result_int() == 404);
    CHECK(r.body().find("not for the web") == std::string::npos);
  }
}
