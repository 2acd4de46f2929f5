// tick delivering through each rep's mailbox to a real SMTP server (aiosmtpd).
#include <catch2/catch.hpp>

#include <fstream>

#include "cli_fixture.hpp"
#include "smtp_server.hpp"

using touchpoint::testing::CliFixture;
using touchpoint::testing::SmtpServer;

namespace {

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

const nlohmann::json& message_to(const nlohmann::json& messages, const std::string& to) {
  for (const auto& m : messages)
    if (m["to"] == to) return m;
  FAIL("no message to " << to);
  throw 0;
}

}  // namespace

TEST_CASE("tick sends through the rep's mailbox; 5xx fails, 4xx and a missing mailbox retry later",
          "[e2e][net]") {
  SmtpServer server;
  CliFixture cli;
  const auto config = (cli.dir() / "touchpoint.json").string();
  write(config, R"({"mailboxes": [{"owner": "rep.anna@touchpoint.test",
      "smtp": {"host": "127.0.0.1", "port": )" +
                    std::to_string(server.port()) + R"(, "tls": "none"},
      "limits": {"per_day": 2000, "per_minute": 100, "min_spacing_seconds": 0}}]})");
  auto tp = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", config});
    return cli.ok(args);
  };
  tp({"user", "add", "--email", "rep.anna@touchpoint.test", "--name", "Anna Berg", "--timezone",
      "Europe/Stockholm"});
  tp({"user", "add", "--email", "rep.sam@touchpoint.test", "--name", "Sam Rivera", "--timezone",
      "America/New_York"});
  write(cli.dir() / "p.csv",
        "email,first_name,last_name,owner\n"
        "asa.lindstrom@nordvik.se,Åsa,Lindström,rep.anna@touchpoint.test\n"
        "reject@nordvik.se,Rex,Ject,rep.anna@touchpoint.test\n"
        "temp-fail@nordvik.se,Tim,Fail,rep.anna@touchpoint.test\n"
        "jlee@acme-ny.com,Jordan,Lee,rep.sam@touchpoint.test\n");
  tp({"prospects", "import", (cli.dir() / "p.csv").string()});
  write(cli.dir() / "s.json",
        R"({"name": "One", "timezone": "UTC", "skip_weekends": false, "steps": [
    {"day": 1, "type": "email", "send": {"mode": "choose_at_start"},
     "template": {"subject": "Hej {{first_name}}", "body": "<p>Hej {{first_name}}!</p>"}}]})");
  tp({"sequence", "apply", (cli.dir() / "s.json").string()});
  tp({"enroll", "--sequence", "One", "--prospects", "all", "--start", "2026-03-02T09:00:00Z"});

  auto report = tp({"tick", "--now", "2026-03-02T10:00:00Z", "--json"}).json();
  CHECK(report["sent"] == 1);
  CHECK(report["failed"] == 1);
  CHECK(report["deferred"] == 2);
  auto received = server.messages();
  REQUIRE(received.size() == 1);
  // RFC 2047 B words of the UTF-8 names: base64 of "Åsa Lindström" and "Hej Åsa".
  CHECK_THAT(received[0], Catch::Contains("To: =?utf-8?B?w4VzYSBMaW5kc3Ryw7Zt?="));
  CHECK_THAT(received[0], Catch::Contains("Subject: =?utf-8?B?SGVqIMOFc2E=?="));

  auto messages = tp({"messages", "--json"}).json();
  CHECK(message_to(messages, "asa.lindstrom@nordvik.se")["state"] == "sent");
  CHECK(message_to(messages, "reject@nordvik.se")["state"] == "failed");
  CHECK_THAT(message_to(messages, "reject@nordvik.se")["detail"].get<std::string>(),
             Catch::Contains("550"));
  CHECK(message_to(messages, "temp-fail@nordvik.se")["state"] == "queued");
  CHECK_THAT(message_to(messages, "temp-fail@nordvik.se")["detail"].get<std::string>(),
             Catch::Contains("451"));
  CHECK(message_to(messages, "jlee@acme-ny.com")["state"] == "queued");
  CHECK(message_to(messages, "jlee@acme-ny.com")["detail"] ==
        "no mailbox configured for rep.sam@touchpoint.test");

  // Within the backoff nothing is tried again; after it, the 4xx is retried (and fails again).
  CHECK(tp({"tick", "--now", "2026-03-02T10:00:30Z", "--json"}).json()["deferred"] == 0);
  CHECK(tp({"tick", "--now", "2026-03-02T10:05:00Z", "--json"}).json()["deferred"] == 2);
  CHECK(server.messages().size() == 1);
}

TEST_CASE("a mailbox whose password variable is missing is a configuration error naming it",
          "[e2e]") {
  CliFixture cli;
  const auto config = (cli.dir() / "touchpoint.json").string();
  write(config, R"({"mailboxes": [{"owner": "rep.anna@touchpoint.test",
      "smtp": {"host": "smtp.example.com", "username": "anna", "password_env": "TP_NO_SUCH_SECRET_VAR"}}]})");
  auto r = cli.run({"--config", config, "tick"});
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("mailboxes[0].smtp.password_env: the environment variable "
                                    "TP_NO_SUCH_SECRET_VAR is not set"));
}
