// Per-mailbox send throttles (DESIGN.md §3.1, §7 `limits`): tick after tick against a real
// SMTP server (aiosmtpd), a mailbox never sends more than its limit in any rolling minute, the
// held messages say why and until when, and everything is sent in the end.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>

#include <touchpoint/core/time.hpp>
#include <touchpoint/engine/engine.hpp>
#include <touchpoint/store/store.hpp>

#include "cli_fixture.hpp"
#include "smtp_server.hpp"

using touchpoint::testing::CliFixture;
using touchpoint::testing::SmtpServer;

namespace {

constexpr const char* kAnna = "rep.anna@touchpoint.test";
constexpr const char* kSam = "rep.sam@touchpoint.test";

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

// The messages the server received from `sender` (by their From header).
std::size_t received_from(const SmtpServer& server, const std::string& sender) {
  std::size_t n = 0;
  for (const auto& raw : server.messages()) {
    auto from = raw.find("\nFrom: ");
    if (from == std::string::npos) from = raw.rfind("From: ", 0);
    REQUIRE(from != std::string::npos);
    auto line = raw.substr(from, raw.find('\n', from + 1) - from);
    if (line.find(sender) != std::string::npos) ++n;
  }
  return n;
}

// The largest number of `instants` in any rolling 60-second window (t - 60 s, t].
std::size_t busiest_minute(const std::vector<touchpoint::core::Timestamp>& instants) {
  std::size_t most = 0;
  for (auto t : instants) {
    std::size_t n = 0;
    for (auto u : instants)
      if (u > t - std::chrono::seconds(60) && u <= t) ++n;
    most = std::max(most, n);
  }
  return most;
}

// Answers `transient` to the first `failures` messages, then `sent`.
struct FlakyTransport final : touchpoint::core::MailTransport {
  int failures = 0;
  int calls = 0;
  touchpoint::core::SendOutcome send(const touchpoint::core::OutgoingMessage&) override {
    ++calls;
    if (calls <= failures) return {touchpoint::core::SendStatus::transient, "451 try later"};
    return {touchpoint::core::SendStatus::sent, "250 OK"};
  }
};

// Anna with ten prospects due at 09:00Z, through the CLI, without a configuration.
void ten_for_anna(const CliFixture& cli) {
  cli.ok(
      {"user", "add", "--email", kAnna, "--name", "Anna Berg", "--timezone", "Europe/Stockholm"});
  std::string csv = "email,first_name,last_name,owner\n";
  for (int i = 1; i <= 10; ++i)
    csv += "p" + std::to_string(i) + "@nordvik.se,P" + std::to_string(i) + ",Test," + kAnna + "\n";
  write(cli.dir() / "p.csv", csv);
  cli.ok({"prospects", "import", (cli.dir() / "p.csv").string()});
  write(cli.dir() / "s.json",
        R"({"name": "One", "timezone": "UTC", "skip_weekends": false, "steps": [
    {"day": 1, "type": "email", "send": {"mode": "choose_at_start"},
     "template": {"subject": "Hej {{first_name}}", "body": "<p>Hej {{first_name}}!</p>"}}]})");
  cli.ok({"sequence", "apply", (cli.dir() / "s.json").string()});
  cli.ok({"enroll", "--sequence", "One", "--prospects", "all", "--start", "2026-03-02T09:00:00Z"});
}

}  // namespace

TEST_CASE("the engine counts a pipelined group against the limit, and not failed sends", "[e2e]") {
  CliFixture cli;
  ten_for_anna(cli);
  auto store = touchpoint::store::open_sqlite_store(cli.db());
  touchpoint::engine::EngineConfig config;
  config.limits = [](const std::string& from) -> std::optional<touchpoint::core::SendLimits> {
    if (from == kAnna) return touchpoint::core::SendLimits{1000, 3, 0};
    return std::nullopt;
  };
  FlakyTransport transport;
  const auto now = *touchpoint::core::parse_instant("2026-03-02T10:00:00Z");

  SECTION("four messages marked `sending` at once: only three are admitted") {
    config.send_group = 4;
    touchpoint::engine::Engine engine(*store, &transport, config);
    auto report = engine.tick(now);
    CHECK(report.sent == 3);
    CHECK(report.throttled == 1);
    CHECK(transport.calls == 3);
  }
  SECTION("a 4xx does not use up the minute") {
    transport.failures = 2;
    touchpoint::engine::Engine engine(*store, &transport, config);
    auto report = engine.tick(now);
    CHECK(report.deferred == 2);
    CHECK(report.sent == 3);
    CHECK(report.throttled == 1);
  }
  std::size_t queued = 0;
  for (const auto& m : store->messages().list(std::nullopt))
    if (m.state == touchpoint::store::DeliveryState::queued &&
        m.detail.rfind("throttled: per_minute 3 until 2026-03-02T10:01:00Z", 0) == 0)
      ++queued;
  CHECK(queued == (transport.failures ? 5u : 7u));
  // Nothing was left `sending`: a throttled message is held before it is marked.
  CHECK(store->messages().recover_in_flight(now) == 0);
}

TEST_CASE("a mailbox's per_minute limit holds sends visibly; other mailboxes go on", "[e2e][net]") {
  SmtpServer server;
  CliFixture cli;
  const auto config = (cli.dir() / "touchpoint.json").string();
  const auto port = std::to_string(server.port());
  // Anna: at most 3 a minute, no spacing. Sam: the defaults (2000 a day, 30 a minute, 2 s).
  write(config, R"({"mailboxes": [
      {"owner": "rep.anna@touchpoint.test",
       "smtp": {"host": "127.0.0.1", "port": )" +
                    port + R"(, "tls": "none"},
       "limits": {"per_minute": 3, "min_spacing_seconds": 0}},
      {"owner": "rep.sam@touchpoint.test",
       "smtp": {"host": "127.0.0.1", "port": )" +
                    port + R"(, "tls": "none"}}]})");
  auto tp = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", config});
    return cli.ok(args);
  };
  tp({"user", "add", "--email", kAnna, "--name", "Anna Berg", "--timezone", "Europe/Stockholm"});
  tp({"user", "add", "--email", kSam, "--name", "Sam Rivera", "--timezone", "America/New_York"});
  std::string csv = "email,first_name,last_name,owner\n";
  for (int i = 1; i <= 10; ++i)
    csv += "p" + std::to_string(i) + "@nordvik.se,P" + std::to_string(i) + ",Test," + kAnna + "\n";
  csv += std::string("s1@acme-ny.com,S1,Test,") + kSam + "\n";
  csv += std::string("s2@acme-ny.com,S2,Test,") + kSam + "\n";
  write(cli.dir() / "p.csv", csv);
  tp({"prospects", "import", (cli.dir() / "p.csv").string()});
  write(cli.dir() / "s.json",
        R"({"name": "One", "timezone": "UTC", "skip_weekends": false, "steps": [
    {"day": 1, "type": "email", "send": {"mode": "choose_at_start"},
     "template": {"subject": "Hej {{first_name}}", "body": "<p>Hej {{first_name}}!</p>"}}]})");
  tp({"sequence", "apply", (cli.dir() / "s.json").string()});
  tp({"enroll", "--sequence", "One", "--prospects", "all", "--start", "2026-03-02T09:00:00Z"});

  auto messages_from = [&](const std::string& sender) {
    std::vector<nlohmann::json> out;
    for (const auto& m : tp({"messages", "--json"}).json())
      if (m["from"] == sender) out.push_back(m);
    return out;
  };
  auto count_state = [&](const std::string& sender, const std::string& state) {
    std::size_t n = 0;
    for (const auto& m : messages_from(sender))
      if (m["state"] == state) ++n;
    return n;
  };

  // T: all 12 are queued; Anna sends 3 and is held until the oldest leaves the minute; Sam
  // sends 1 and is held 2 s by his default spacing.
  auto report = tp({"tick", "--now", "2026-03-02T10:00:00Z", "--json"}).json();
  CHECK(report["messages_queued"] == 12);
  CHECK(report["sent"] == 4);
  CHECK(report["throttled"] == 2);
  CHECK(received_from(server, kAnna) == 3);
  CHECK(received_from(server, kSam) == 1);
  std::size_t held = 0;
  for (const auto& m : messages_from(kAnna)) {
    if (m["state"] != "queued") continue;
    ++held;
    CHECK(m["detail"] == "throttled: per_minute 3 until 2026-03-02T10:01:00Z");
  }
  CHECK(held == 7);
  for (const auto& m : messages_from(kSam))
    if (m["state"] == "queued")
      CHECK(m["detail"] == "throttled: min_spacing_seconds 2 until 2026-03-02T10:00:02Z");

  // Each held message got one `throttled` event, with the same detail.
  {
    auto store = touchpoint::store::open_sqlite_store(cli.db());
    std::set<std::int64_t> anna_held;
    std::size_t sam_held = 0;
    for (const auto& e : store->events().list(0, 0)) {
      if (e.type != "throttled") continue;
      REQUIRE(e.enrollment);
      if (e.detail.find("per_minute 3") != std::string::npos)
        anna_held.insert(e.enrollment->value);
      else if (e.detail.find("min_spacing_seconds 2") != std::string::npos)
        ++sam_held;
    }
    CHECK(anna_held.size() == 7);
    CHECK(sam_held == 1);
  }

  // T+20 s: Anna is still held (nothing tried); Sam's spacing has passed.
  report = tp({"tick", "--now", "2026-03-02T10:00:20Z", "--json"}).json();
  CHECK(report["sent"] == 1);
  CHECK(received_from(server, kAnna) == 3);
  CHECK(received_from(server, kSam) == 2);
  CHECK(count_state(kSam, "sent") == 2);

  // T+61 s, T+125 s, T+190 s: three a minute until all ten are out.
  const std::vector<std::pair<const char*, std::size_t>> ticks = {
      {"2026-03-02T10:01:01Z", 6}, {"2026-03-02T10:02:05Z", 9}, {"2026-03-02T10:03:10Z", 10}};
  for (const auto& [now, total] : ticks) {
    INFO("tick at " << now);
    tp({"tick", "--now", now, "--json"});
    CHECK(received_from(server, kAnna) == total);
    CHECK(count_state(kAnna, "sent") == total);
  }
  for (const auto& m : messages_from(kAnna))
    if (m["state"] == "queued")
      CHECK_THAT(m["detail"].get<std::string>(), Catch::StartsWith("throttled: per_minute 3"));

  // No rolling minute at the server held more than 3 of Anna's messages.
  std::vector<touchpoint::core::Timestamp> sent_at;
  for (const auto& m : messages_from(kAnna)) {
    REQUIRE(m["state"] == "sent");
    auto t = touchpoint::core::parse_instant(m["sent_at"].get<std::string>());
    REQUIRE(t);
    sent_at.push_back(*t);
  }
  CHECK(sent_at.size() == 10);
  CHECK(busiest_minute(sent_at) == 3);
  CHECK(received_from(server, kAnna) == 10);

  // Nothing is left to send or hold.
  report = tp({"tick", "--now", "2026-03-02T10:10:00Z", "--json"}).json();
  CHECK(report["sent"] == 0);
  CHECK(report["throttled"] == 0);
  CHECK(server.messages().size() == 12);
}

TEST_CASE("a bad mailbox limit is a configuration error naming the key", "[e2e]") {
  CliFixture cli;
  for (auto [limits, message] :
       {std::pair{R"({"per_minute": 0})",
                  "mailboxes[0].limits.per_minute: must be a whole number from 1 to 100000"},
        std::pair{R"({"per_day": "lots"})",
                  "mailboxes[0].limits.per_day: must be a whole number from 1 to 1000000"},
        std::pair{R"({"min_spacing_seconds": -1})",
                  "mailboxes[0].limits.min_spacing_seconds: must be a whole number from 0 to "
                  "86400"},
        std::pair{R"([30])", "mailboxes[0].limits: must be an object"}}) {
    cli.expect_config_error(std::string(R"({"mailboxes": [{"owner": "rep.anna@touchpoint.test",
        "smtp": {"host": "smtp.example.com"}, "limits": )") +
                                limits + "}]}",
                            message);
  }
}
