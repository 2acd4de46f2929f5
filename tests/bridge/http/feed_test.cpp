// The live feed over real HTTP: server-sent events, resumed with Last-Event-ID, pushed by the
// server without the client asking again.
#include <catch2/catch.hpp>

#include <regex>

#include <SQLiteCpp/SQLiteCpp.h>

#include <touchpoint/bridge/service.hpp>
#include <touchpoint/core/tokens.hpp>

#include "bridge_fixture.hpp"

using namespace touchpoint::testing;
namespace core = touchpoint::core;

namespace {

std::vector<std::int64_t> event_ids(const std::string& stream) {
  std::vector<std::int64_t> ids;
  static const std::regex id_line("(^|\n)id: ([0-9]+)\n");
  for (auto it = std::sregex_iterator(stream.begin(), stream.end(), id_line);
       it != std::sregex_iterator(); ++it)
    ids.push_back(std::stoll((*it)[2]));
  return ids;
}

std::string feed_request(const std::string& token, const std::string& extra = "") {
  return "GET /api/v1/feed HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
         "Authorization: Bearer " + token + "\r\n" + extra + "\r\n";
}

// Records an open through the pixel, which adds an event to the feed.
void open_pixel(BridgeFixture& f) {
  SQLite::Database database(f.db().string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(database, "SELECT step_run_id FROM messages WHERE state = 'sent' LIMIT 1");
  REQUIRE(q.executeStep());
  core::TrackingToken t;
  t.kind = core::TrackingToken::Kind::open;
  t.step_run = q.getColumn(0).getInt64();
  auto r = f.client().get("/o/" + core::sign_token(t, kSecret),
                          {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64)"}});
  REQUIRE(r.result_int() == 200);
}

}  // namespace

TEST_CASE("the feed resumes after Last-Event-ID: only later events arrive, then new ones are "
          "pushed", "[net]") {
  BridgeFixture f;
  auto token = f.token(kAnna);
  touchpoint::engine::EngineConfig config;
  config.tracking_secret = kSecret;
  touchpoint::bridge::Service service(f.store(), config);
  auto all = service.feed_after(0, 10000);
  REQUIRE(all.size() >= 3);  // the demo's first tick leaves events behind
  auto resume_after = all[all.size() / 2].id;
  std::vector<std::int64_t> expected;
  for (const auto& e : all)
    if (e.id > resume_after) expected.push_back(e.id);

  auto c = f.client();
  c.write_raw(feed_request(token, "Last-Event-ID: " + std::to_string(resume_after) + "\r\n"));
  auto text = c.read_until("id: " + std::to_string(all.back().id) + "\n", std::chrono::seconds(5));
  INFO(text);
  CHECK(text.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(text.find("text/event-stream") != std::string::npos);
  CHECK(event_ids(text) == expected);

  // A new event is pushed down the same connection.
  open_pixel(f);
  text = c.read_until("event: open\n", std::chrono::seconds(5));
  auto ids = event_ids(text);
  REQUIRE(ids.size() == expected.size() + 1);
  CHECK(ids.back() > all.back().id);
}

TEST_CASE("a feed opened without Last-Event-ID sends only new events", "[net]") {
  BridgeFixture f;
  auto token = f.token(kAnna);
  touchpoint::engine::EngineConfig config;
  config.tracking_secret = kSecret;
  auto newest = touchpoint::bridge::Service(f.store(), config).last_event_id();

  // EventSource cannot set headers: the token may come in the query.
  auto c = f.client();
  c.write_raw("GET /api/v1/feed?access_token=" + token +
              " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  auto text = c.read_until("retry:", std::chrono::seconds(5));
  REQUIRE(text.rfind("HTTP/1.1 200", 0) == 0);
  open_pixel(f);
  text = c.read_until("event: open\n", std::chrono::seconds(5));
  INFO(text);
  auto ids = event_ids(text);
  REQUIRE(!ids.empty());
  for (auto id : ids) CHECK(id > newest);
}

TEST_CASE("the feed sends keep-alive comments while nothing happens", "[net]") {
  BridgeFixture f([](auto& o) { o.feed_keepalive = std::chrono::seconds(1); });
  auto c = f.client();
  c.write_raw(feed_request(f.token(kAnna)));
  auto text = c.read_until(": keep-alive\n\n", std::chrono::seconds(5));
  CHECK(text.find(": keep-alive\n\n") != std::string::npos);
}
