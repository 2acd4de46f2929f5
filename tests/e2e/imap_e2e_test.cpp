// `touchpoint fetch`: each rep's IMAP folder read from a real Dovecot, and the inbound
// fixtures (rewritten to the Message-IDs actually sent) acting on the enrollments.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli_fixture.hpp"
#include "imap_server.hpp"
#include "smtp_server.hpp"

using touchpoint::testing::CliFixture;
using touchpoint::testing::fixture;
using touchpoint::testing::ImapServer;
using touchpoint::testing::SmtpServer;

namespace {

std::string fixture_with(const char* name, const std::string& example, const std::string& actual) {
  std::ifstream in(fixture(std::string("inbound/") + name), std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  auto text = s.str();
  for (auto at = text.find(example); at != std::string::npos; at = text.find(example, at))
    text.replace(at, example.size(), actual);
  return text;
}

}  // namespace

TEST_CASE("fetch reads the rep's IMAP folder once and acts on each new message", "[e2e][net]") {
  SmtpServer smtp;
  ImapServer imap;
  ::setenv("TP_TEST_IMAP_PASSWORD", imap.password().c_str(), 1);
  CliFixture cli;
  const auto config = (cli.dir() / "touchpoint.json").string();
  std::string mailboxes;
  for (const char* rep :
       {"rep.anna@touchpoint.test", "rep.jisoo@touchpoint.test", "rep.sam@touchpoint.test"}) {
    mailboxes += std::string(mailboxes.empty() ? "" : ",") + R"({"owner": ")" + rep +
                 R"(", "smtp": {"host": "127.0.0.1", "port": )" + std::to_string(smtp.port()) +
                 R"(, "tls": "none"}, "limits": {"per_minute": 1000, "min_spacing_seconds": 0})";
    if (std::string(rep) == "rep.anna@touchpoint.test")
      mailboxes += R"(, "imap": {"host": "127.0.0.1", "port": )" + std::to_string(imap.port()) +
                   R"(, "tls": "none", "username": ")" + imap.username() +
                   R"(", "password_env": "TP_TEST_IMAP_PASSWORD"})";
    mailboxes += "}";
  }
  std::ofstream(config) << R"({"mailboxes": [)" + mailboxes + "]}";
  const std::vector<std::string> with_config{"--config", config};
  auto tp = [&](std::vector<std::string> args) {
    args.insert(args.begin(), with_config.begin(), with_config.end());
    return cli.ok(args);
  };
  cli.load_samples(with_config);
  tp({"enroll", "--sequence", "1", "--prospects", "all", "--start", "2026-03-02T07:00:00Z"});
  tp({"tick", "--now", "2026-03-03T23:00:00Z"});
  std::map<std::string, std::string> first;
  for (const auto& m : tp({"messages", "--json"}).json())
    if (m["position"] == 1) first[m["to"].get<std::string>()] = m["message_id"].get<std::string>();
  REQUIRE(first.size() == 9);

  imap.append(fixture_with("reply.eml", "tp.1.1.8f3a2c@touchpoint.test",
                           first["asa.lindstrom@nordvik.se"]));
  imap.append(fixture_with("out-of-office.eml", "tp.1.3.77b1e0@touchpoint.test",
                           first["daan.dejong@polderbank.nl"]));
  imap.append(
      fixture_with("bounce-hard.eml", "tp.1.5.c0ffee@touchpoint.test", first["jlee@acme-ny.com"]));
  imap.append(
      fixture_with("bounce-soft.eml", "tp.1.7.decade@touchpoint.test", first["noah@lordhowe.au"]));

  auto polled = tp({"fetch", "--json", "--now", "2026-03-04T10:00:00Z"}).json();
  REQUIRE(polled.size() == 1);
  CHECK(polled[0]["error"] == "");
  CHECK(polled[0]["fetched"] == 4);
  std::map<std::string, nlohmann::json> by_prospect;
  for (const auto& e : tp({"enrollments", "--json"}).json())
    by_prospect[e["prospect"].get<std::string>()] = e;
  CHECK(by_prospect["asa.lindstrom@nordvik.se"]["exit_cause"] == "reply");
  CHECK(by_prospect["daan.dejong@polderbank.nl"]["paused_until"] == "2026-03-15T23:00:00Z");
  CHECK(by_prospect["jlee@acme-ny.com"]["exit_cause"] == "bounce");
  CHECK(by_prospect["noah@lordhowe.au"]["state"] == "active");

  // The next poll starts after the last message read.
  CHECK(tp({"fetch", "--json"}).json()[0]["fetched"] == 0);
  imap.append(
      "From: Someone <someone@example.com>\r\nTo: rep.anna@touchpoint.test\r\n"
      "Subject: Hello\r\nMessage-ID: <late-1@example.com>\r\n\r\nHi\r\n");
  auto again = tp({"fetch", "--json"}).json();
  CHECK(again[0]["fetched"] == 1);
  CHECK(again[0]["outcomes"][0]["action"] == "unmatched");
}
