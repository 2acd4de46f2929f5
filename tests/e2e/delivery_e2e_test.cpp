// Delivery at volume (issue 3): the engine's parallel sends (EngineConfig::send_workers) and
// sends left in doubt, on a real SQLite database built through the CLI.

#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include <touchpoint/core/time.hpp>
#include <touchpoint/engine/engine.hpp>
#include <touchpoint/store/store.hpp>

#include "cli_fixture.hpp"

using touchpoint::core::SendOutcome;
using touchpoint::core::SendStatus;
using touchpoint::store::DeliveryState;
using touchpoint::testing::CliFixture;

namespace {

constexpr const char* kAnna = "rep.anna@touchpoint.test";

// Anna with `count` prospects (p1@nordvik.se ...) due at 09:00Z, through the CLI.
void prospects_for_anna(const CliFixture& cli, int count) {
  cli.ok(
      {"user", "add", "--email", kAnna, "--name", "Anna Berg", "--timezone", "Europe/Stockholm"});
  std::string csv = "email,first_name,last_name,owner\n";
  for (int i = 1; i <= count; ++i)
    csv += "p" + std::to_string(i) + "@nordvik.se,P" + std::to_string(i) + ",Test," + kAnna + "\n";
  std::ofstream(cli.dir() / "p.csv") << csv;
  cli.ok({"prospects", "import", (cli.dir() / "p.csv").string()});
  std::ofstream(cli.dir() / "s.json") <<
      R"({"name": "One", "timezone": "UTC", "skip_weekends": false, "steps": [
    {"day": 1, "type": "email", "send": {"mode": "choose_at_start"},
     "template": {"subject": "Hej {{first_name}}", "body": "<p>Hej {{first_name}}!</p>"}}]})";
  cli.ok({"sequence", "apply", (cli.dir() / "s.json").string()});
  cli.ok({"enroll", "--sequence", "One", "--prospects", "all", "--start", "2026-03-02T09:00:00Z"});
}

// Thread-safe: counts each recipient's sends. p3 is lost after its content was handed over.
struct CountingTransport final : touchpoint::core::MailTransport {
  std::mutex mutex;
  std::condition_variable sent;
  std::map<std::string, int> sends;
  SendOutcome send(const touchpoint::core::OutgoingMessage& m) override {
    std::lock_guard lock(mutex);
    ++sends[m.to_email];
    sent.notify_all();
    if (m.to_email == "p3@nordvik.se")
      return {SendStatus::unknown, "the server closed the connection after the content"};
    return {SendStatus::sent, "250 OK"};
  }
  // Whether some message reaches the transport within `limit`.
  bool wait_for_a_send(std::chrono::seconds limit) {
    std::unique_lock lock(mutex);
    return sent.wait_for(lock, limit, [&] { return !sends.empty(); });
  }
};

std::map<std::string, DeliveryState> states(touchpoint::store::Store& store) {
  std::map<std::string, DeliveryState> out;
  for (const auto& m : store.messages().list(std::nullopt)) out[m.message.to_email] = m.state;
  return out;
}

// Anna's `count` prospects, due; the store; a counting transport; the ticks' instant.
struct Sends {
  explicit Sends(int count) {
    prospects_for_anna(cli, count);
    store = touchpoint::store::open_sqlite_store(cli.db());
  }
  CliFixture cli;
  std::unique_ptr<touchpoint::store::Store> store;
  CountingTransport transport;
  touchpoint::core::Timestamp now = *touchpoint::core::parse_instant("2026-03-02T10:00:00Z");
  touchpoint::engine::EngineConfig config;
};

}  // namespace

TEST_CASE("a send left in doubt is `unknown` at once and never resent", "[e2e]") {
  Sends sends(5);
  auto& [cli, store, transport, now, config] = sends;
  SECTION("one at a time") {}
  SECTION("in parallel") {
    config.send_workers = 3;
    config.send_group = 4;
  }
  touchpoint::engine::Engine engine(*store, &transport, config);
  const auto first = engine.tick(now);
  CHECK(first.unknown == 1);
  CHECK(first.deferred == 0);
  CHECK(engine.tick(now + std::chrono::hours(2)).unknown == 0);  // well past any retry backoff

  const auto by_recipient = states(*store);
  CHECK(by_recipient.at("p3@nordvik.se") == DeliveryState::unknown);
  CHECK(transport.sends.at("p3@nordvik.se") == 1);
  for (const char* other : {"p1@nordvik.se", "p2@nordvik.se", "p4@nordvik.se", "p5@nordvik.se"}) {
    CHECK(by_recipient.at(other) == DeliveryState::sent);
    CHECK(transport.sends.at(other) == 1);
  }
  std::size_t unknown_events = 0;
  for (const auto& e : store->events().list(0, 1000)) unknown_events += e.type == "unknown";
  CHECK(unknown_events == 1);
  // Nothing is left `sending` for a restart to find.
  CHECK(store->messages().recover_in_flight(now) == 0);
}

TEST_CASE("parallel sends deliver every message once and keep the per-minute limit", "[e2e]") {
  Sends sends(40);
  auto& [cli, store, transport, now, config] = sends;
  config.send_workers = 8;
  config.send_group = 16;
  std::size_t admitted = 40;  // sent, or `unknown` for p3, which is in doubt
  SECTION("unthrottled") {}
  SECTION("at most 7 a minute") {
    config.limits = [](const std::string&) -> std::optional<touchpoint::core::SendLimits> {
      return touchpoint::core::SendLimits{1000, 7, 0};
    };
    admitted = 7;
  }
  touchpoint::engine::Engine engine(*store, &transport, config);
  const auto report = engine.tick(now);

  std::size_t sent = 0, unknown = 0, calls = 0;
  for (const auto& [recipient, state] : states(*store)) {
    sent += state == DeliveryState::sent;
    unknown += state == DeliveryState::unknown;
    if (transport.sends.count(recipient)) CHECK(transport.sends.at(recipient) == 1);
  }
  for (const auto& [recipient, n] : transport.sends) calls += static_cast<std::size_t>(n);
  CHECK(sent + unknown == admitted);
  CHECK(calls == admitted);
  CHECK(report.sent == sent);
  CHECK(unknown <= 1);
  CHECK(store->messages().recover_in_flight(now) == 0);
}

TEST_CASE("a send in doubt counts against its mailbox's limit in later ticks", "[e2e]") {
  Sends sends(3);
  auto& [cli, store, transport, now, config] = sends;
  config.limits = [](const std::string&) -> std::optional<touchpoint::core::SendLimits> {
    return touchpoint::core::SendLimits{3, 1000, 0};  // three a day
  };
  touchpoint::engine::Engine engine(*store, &transport, config);
  const auto first = engine.tick(now);  // p1, p2 sent; p3 `unknown`
  CHECK(first.sent == 2);
  CHECK(first.unknown == 1);

  // Two more prospects, due after that tick: the next one reads the day's sends back from the
  // database, where p3 (which may have left) uses up the third send of the day.
  std::ofstream(cli.dir() / "more.csv")
      << "email,first_name,last_name,owner\n"
      << "p4@nordvik.se,P4,Test," << kAnna << "\np5@nordvik.se,P5,Test," << kAnna << "\n";
  cli.ok({"prospects", "import", (cli.dir() / "more.csv").string()});
  cli.ok({"enroll", "--sequence", "One", "--prospects", (cli.dir() / "more.csv").string(),
          "--start", "2026-03-02T10:30:00Z"});
  const auto later = engine.tick(now + std::chrono::hours(1));
  CHECK(later.sent == 0);
  CHECK(later.throttled >= 1);
  CHECK(transport.sends.count("p4@nordvik.se") == 0);
  for (const auto& m : store->messages().list(std::nullopt))
    if (m.message.to_email == "p3@nordvik.se") CHECK_FALSE(m.sent_at);  // not known to be sent
}

TEST_CASE("a tick sends the first batches while it claims the later ones", "[e2e]") {
  Sends sends(40);
  auto& [cli, store, transport, now, config] = sends;
  config.send_workers = 4;
  config.send_group = 8;  // and so claimed 8 at a time: 5 batches
  touchpoint::engine::Engine engine(*store, &transport, config);
  int batches = 0;
  bool sent_while_claiming = false;
  const auto report = engine.tick(now, [&](const touchpoint::engine::TickReport&) {
    // The first batch's messages reach the transport before the third batch is claimed.
    if (++batches == 2) sent_while_claiming = transport.wait_for_a_send(std::chrono::seconds(10));
  });
  CHECK(sent_while_claiming);
  CHECK(batches == 5);
  CHECK(report.messages_queued == 40);
  CHECK(report.sent == 39);
  CHECK(report.unknown == 1);  // p3
  for (const auto& [recipient, n] : transport.sends) CHECK(n == 1);
  CHECK(transport.sends.size() == 40);
  CHECK(store->messages().recover_in_flight(now) == 0);
}
