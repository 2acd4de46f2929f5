// The configuration's sending keys (DESIGN.md §7, issue 3): a mailbox's smtp.connections and
// the "engine" keys send_workers, send_group and claim_batch, read by tick.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <tuple>

#include "cli_fixture.hpp"
#include "smtp_server.hpp"

using touchpoint::testing::CliFixture;
using touchpoint::testing::SmtpServer;

namespace {

constexpr const char* kAnna = "rep.anna@touchpoint.test";

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

// Anna with `count` prospects due at 09:00Z, and a configuration sending through `server`
// with the given extra smtp keys and top-level keys.
std::string setup(const CliFixture& cli, const SmtpServer& server, int count,
                  const std::string& smtp_extra, const std::string& top_extra) {
  const auto config = (cli.dir() / "touchpoint.json").string();
  write(config, R"({"mailboxes": [{"owner": "rep.anna@touchpoint.test",
      "smtp": {"host": "127.0.0.1", "port": )" +
                    std::to_string(server.port()) + R"(, "tls": "none")" + smtp_extra + R"(},
      "limits": {"per_minute": 1000, "min_spacing_seconds": 0}}])" +
                    top_extra + "}");
  cli.ok({"--config", config, "user", "add", "--email", kAnna, "--name", "Anna Berg", "--timezone",
          "Europe/Stockholm"});
  std::string csv = "email,first_name,last_name,owner\n";
  for (int i = 1; i <= count; ++i)
    csv += "p" + std::to_string(i) + "@nordvik.se,P" + std::to_string(i) + ",Test," + kAnna + "\n";
  write(cli.dir() / "p.csv", csv);
  cli.ok({"--config", config, "prospects", "import", (cli.dir() / "p.csv").string()});
  write(cli.dir() / "s.json", R"({"name": "One", "timezone": "UTC", "skip_weekends": false,
    "steps": [{"day": 1, "type": "email", "send": {"mode": "choose_at_start"},
     "template": {"subject": "Hej {{first_name}}", "body": "<p>Hej {{first_name}}!</p>"}}]})");
  cli.ok({"--config", config, "sequence", "apply", (cli.dir() / "s.json").string()});
  cli.ok({"--config", config, "enroll", "--sequence", "One", "--prospects", "all", "--start",
          "2026-03-02T09:00:00Z"});
  return config;
}

}  // namespace

TEST_CASE("a mailbox's smtp.connections sends in parallel over that many connections",
          "[e2e][net]") {
  SmtpServer server;
  CliFixture cli;
  const auto config = setup(cli, server, 24, R"(, "connections": 4)", "");
  auto report =
      cli.ok({"--config", config, "tick", "--now", "2026-03-02T10:00:00Z", "--json"}).json();
  CHECK(report["sent"] == 24);
  CHECK(report["unknown"] == 0);
  // Every message arrived once; more than one connection carried them, none beyond four.
  const auto received = server.messages();
  CHECK(received.size() == 24);
  const auto ports = server.client_ports();
  const std::set<int> connections(ports.begin(), ports.end());
  CHECK(connections.size() > 1);
  CHECK(connections.size() <= 4);
  for (const auto& m : cli.ok({"--config", config, "messages", "--json"}).json())
    CHECK(m["state"] == "sent");
}

TEST_CASE("engine.send_workers 1 sends one at a time over one connection", "[e2e][net]") {
  SmtpServer server;
  CliFixture cli;
  const auto config =
      setup(cli, server, 12, R"(, "connections": 4)", R"(, "engine": {"send_workers": 1})");
  auto report =
      cli.ok({"--config", config, "tick", "--now", "2026-03-02T10:00:00Z", "--json"}).json();
  CHECK(report["sent"] == 12);
  const auto ports = server.client_ports();
  CHECK(ports.size() == 12);
  CHECK(std::set<int>(ports.begin(), ports.end()).size() == 1);
}

TEST_CASE("bad sending keys are configuration errors naming the field", "[e2e]") {
  CliFixture cli;
  for (auto [smtp_extra, top_extra, message] :
       {std::tuple{R"(, "connections": 0)", "",
                   "mailboxes[0].smtp.connections: must be a whole number from 1 to 100"},
        std::tuple{R"(, "connections": "many")", "",
                   "mailboxes[0].smtp.connections: must be a whole number from 1 to 100"},
        std::tuple{"", R"(, "engine": {"send_workers": 0})",
                   "engine.send_workers: must be a whole number from 1 to 256"},
        std::tuple{"", R"(, "engine": {"send_workers": 2.5})",
                   "engine.send_workers: must be a whole number from 1 to 256"},
        std::tuple{"", R"(, "engine": {"send_group": 100000})",
                   "engine.send_group: must be a whole number from 1 to 10000"},
        std::tuple{"", R"(, "engine": {"send_workers": 8, "send_group": 4})",
                   "engine.send_group: must be at least engine.send_workers (8)"},
        std::tuple{"", R"(, "engine": {"claim_batch": -1})",
                   "engine.claim_batch: must be a whole number from 1 to 100000"},
        std::tuple{"", R"(, "engine": {"send_worker": 4})", "engine.send_worker: unknown key"},
        std::tuple{"", R"(, "engine": 4)", "engine: must be an object"}}) {
    cli.expect_config_error(std::string(R"({"mailboxes": [{"owner": "rep.anna@touchpoint.test",
        "smtp": {"host": "smtp.example.com")") +
                                smtp_extra + "}}]" + top_extra + "}",
                            message);
  }
}
