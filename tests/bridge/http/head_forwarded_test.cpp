// HEAD on every GET route, X-Forwarded-For from trusted proxies only, and tracking hits under
// concurrency (the group commit), over real HTTP.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include <SQLiteCpp/SQLiteCpp.h>

#include <nlohmann/json.hpp>

#include <touchpoint/core/tokens.hpp>

#include "bridge_fixture.hpp"

using namespace touchpoint::testing;
namespace core = touchpoint::core;

namespace {

// A sent step with no open recorded yet.
std::int64_t unopened_sent_step(const std::filesystem::path& db) {
  SQLite::Database database(db.string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(database,
                      "SELECT m.step_run_id FROM messages m WHERE m.state = 'sent' AND NOT EXISTS "
                      "(SELECT 1 FROM events v WHERE v.step_run_id = m.step_run_id "
                      "AND v.type = 'open') ORDER BY m.id LIMIT 1");
  REQUIRE(q.executeStep());
  return q.getColumn(0).getInt64();
}

std::string sign(core::TrackingToken::Kind kind, std::int64_t step_run, std::string url = "") {
  core::TrackingToken t;
  t.kind = kind;
  t.step_run = step_run;
  t.url = std::move(url);
  return core::sign_token(t, kSecret);
}

// The machine kind of each event of this type on the step, oldest first ("" for people).
std::vector<std::string> machines(const std::filesystem::path& db, std::int64_t step_run,
                                  const char* type) {
  SQLite::Database database(db.string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(database,
                      "SELECT machine FROM events WHERE step_run_id = ? AND type = ? ORDER BY id");
  q.bind(1, step_run);
  q.bind(2, type);
  std::vector<std::string> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  return out;
}

const Headers kPerson = {{"User-Agent", "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 Safari"}};

}  // namespace

TEST_CASE("HEAD answers every GET route like GET, without the body", "[net]") {
  BridgeFixture f;
  auto token = f.token(kAnna);
  auto c = f.client();
  struct Case {
    std::string target;
    Headers headers;
  };
  for (const auto& [target, headers] :
       std::vector<Case>{{"/healthz", {}},
                         {"/metrics", {}},
                         {"/", {}},
                         {"/app/js/app.js", {}},
                         {"/app/missing.js", {}},
                         {"/api/v1/tasks?limit=2", bearer(token)},
                         {"/api/v1/me", bearer(token)},
                         {"/api/v1/me", {}},
                         {"/no/such/route", {}}}) {
    INFO(target);
    auto get = c.get(target, headers);
    auto head = c.head(target, headers);
    CHECK(head.result_int() == get.result_int());
    CHECK(head.body().empty());
    CHECK(std::string(head[bhttp::field::content_type]) ==
          std::string(get[bhttp::field::content_type]));
    if (target != "/metrics")  // the metrics count the requests themselves
      CHECK(std::string(head[bhttp::field::content_length]) == std::to_string(get.body().size()));
    // The connection is still in step: the next answer is read whole.
    CHECK(c.get("/healthz").body() == R"({"status":"ok"})");
  }
}

TEST_CASE("HEAD is allowed wherever GET is, and says so", "[net]") {
  BridgeFixture f;
  auto c = f.client();
  auto r = c.post("/healthz", "{}");
  CHECK(r.result_int() == 405);
  CHECK(std::string(r[bhttp::field::allow]) == "GET, HEAD");
  HttpRequest options{bhttp::verb::options, "/api/v1/tasks", 11};
  options.set(bhttp::field::origin, kOrigin);
  options.set(bhttp::field::access_control_request_method, "GET");
  auto preflight = c.send(options);
  CHECK(std::string(preflight[bhttp::field::allow]) == "GET, HEAD, OPTIONS");
}

TEST_CASE("HEAD on the open pixel and a click answers like GET and records a machine hit",
          "[net]") {
  BridgeFixture f;
  auto step = unopened_sent_step(f.db());
  auto c = f.client();
  auto pixel = c.head("/o/" + sign(core::TrackingToken::Kind::open, step), kPerson);
  CHECK(pixel.result_int() == 200);
  CHECK(std::string(pixel[bhttp::field::content_type]) == "image/gif");
  CHECK(std::string(pixel[bhttp::field::content_length]) == "43");
  CHECK(pixel.body().empty());
  const std::string url = "https://www.touchpoint.test/pricing";
  auto click = c.head("/c/" + sign(core::TrackingToken::Kind::click, step, url), kPerson);
  CHECK(click.result_int() == 302);
  CHECK(std::string(click[bhttp::field::location]) == url);
  // No person's client sends HEAD: both are link scanners', though the agent is a browser's.
  CHECK(machines(f.db(), step, "open") == std::vector<std::string>{"link_scanner"});
  CHECK(machines(f.db(), step, "click") == std::vector<std::string>{"link_scanner"});
  CHECK(c.get("/healthz").result_int() == 200);
}

TEST_CASE("X-Forwarded-For is ignored unless the peer is a trusted proxy", "[net]") {
  // 17.0.0.0/8 is Apple's: Mail Privacy Protection's prefetches come from there.
  const Headers via_apple = {kPerson[0], {"X-Forwarded-For", "17.58.1.2"}};
  SECTION("by default nobody is trusted: the TCP peer is the client") {
    BridgeFixture f;
    auto step = unopened_sent_step(f.db());
    auto r = f.client().get("/o/" + sign(core::TrackingToken::Kind::open, step), via_apple);
    CHECK(r.result_int() == 200);
    CHECK(machines(f.db(), step, "open") == std::vector<std::string>{""});
  }
  SECTION("behind a trusted proxy, the nearest address it did not add is the client") {
    BridgeFixture f([](auto& o) { o.trusted_proxies = {"127.0.0.0/8", "10.0.0.0/8"}; });
    auto step = unopened_sent_step(f.db());
    auto c = f.client();
    auto open = sign(core::TrackingToken::Kind::open, step);
    CHECK(c.get("/o/" + open, via_apple).result_int() == 200);
    // A chain through another trusted proxy; the client's own claim further left is not read.
    CHECK(c.get("/o/" + open, {kPerson[0],
                               {"X-Forwarded-For", "17.1.1.1, 198.51.100.7, 10.1.2.3"}})
              .result_int() == 200);
    // Not an address: the walk stops, and the proxy's peer is all that is known.
    CHECK(c.get("/o/" + open, {kPerson[0], {"X-Forwarded-For", "unknown"}})
              .result_int() == 200);
    CHECK(machines(f.db(), step, "open") ==
          std::vector<std::string>{"apple_mail_privacy", "", ""});
  }
  SECTION("an entry that is no address or range is refused, naming it") {
    try {
      BridgeFixture f([](auto& o) { o.trusted_proxies = {"127.0.0.1", "10.0.0.0/33"}; });
      FAIL("the server started");
    } catch (const std::runtime_error& e) {
      CHECK(std::string(e.what()).rfind("trusted_proxies[1]: '10.0.0.0/33'", 0) == 0);
    }
  }
}

TEST_CASE("concurrent clicks are all recorded, and imply exactly one open", "[net]") {
  BridgeFixture f;
  auto step = unopened_sent_step(f.db());
  const std::string url = "https://www.touchpoint.test/demo";
  auto click = "/c/" + sign(core::TrackingToken::Kind::click, step, url);
  constexpr int kClients = 8, kEach = 25;
  std::atomic<int> redirected = 0, failed = 0;
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i)
    clients.emplace_back([&] {
      try {
        auto c = f.client();
        for (int n = 0; n < kEach; ++n) {
          auto r = c.get(click, kPerson);
          (r.result_int() == 302 && std::string(r[bhttp::field::location]) == url ? redirected
                                                                                  : failed)++;
        }
      } catch (...) {
        ++failed;
      }
    });
  for (auto& t : clients) t.join();
  CHECK(failed == 0);
  CHECK(redirected == kClients * kEach);
  // Every answered click is in the database already.
  CHECK(machines(f.db(), step, "click").size() == kClients * kEach);
  CHECK(machines(f.db(), step, "open").size() == 1);
  // A step that does not exist answers gone, and records nothing.
  auto missing = f.client().get("/o/" + sign(core::TrackingToken::Kind::open, 987654), kPerson);
  CHECK(missing.result_int() == 404);
  CHECK(machines(f.db(), 987654, "open").empty());
}
