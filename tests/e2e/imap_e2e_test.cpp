// `touchpoint fetch`: each rep's IMAP folder read from a real Dovecot, and the inbound
// fixtures (rewritten to the Message-IDs actually sent) acting on the enrollments.
#include <catch2/catch.hpp>

#include <map>

#include "mailbox_setup.hpp"

using touchpoint::testing::CliFixture;
using touchpoint::testing::fixture_with;
using touchpoint::testing::ImapServer;
using touchpoint::testing::SmtpServer;
using touchpoint::testing::write_mailbox_config;

TEST_CASE("fetch reads the rep's IMAP folder once and acts on each new message", "[e2e][net]") {
  SmtpServer smtp;
  ImapServer imap;
  CliFixture cli;
  const auto config = write_mailbox_config(cli, smtp, imap).string();
  const std::vector<std::string> with_config{"--config", config};
  auto tp = [&](std::vector<std::string> args) {
    args.insert(args.begin(), with_config.begin(), with_config.end());
    return cli.ok(args);
  };
  auto first = cli.send_first_emails(with_config);
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
