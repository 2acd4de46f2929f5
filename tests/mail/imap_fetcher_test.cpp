#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <touchpoint/mail/imap_fetcher.hpp>
#include <touchpoint/mail/inbound.hpp>

#include "mail_test_support.hpp"

#include "imap_server.hpp"

using touchpoint::mail::classify_inbound;
using touchpoint::mail::FetchResult;
using touchpoint::mail::ImapFetcher;
using touchpoint::mail::ImapSettings;
using touchpoint::mail::InboundMessage;
using touchpoint::mail::test::inbound_fixture;
using touchpoint::testing::ImapServer;
using Kind = InboundMessage::Kind;
using BounceKind = InboundMessage::BounceKind;

namespace {

std::string lf(std::string text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  return out;
}

ImapSettings settings_for(const ImapServer& server) {
  ImapSettings s;
  s.host = "127.0.0.1";
  s.port = server.port();
  s.tls = ImapSettings::Tls::none;
  s.username = server.username();
  s.password = server.password();
  s.timeout_seconds = 10;
  return s;
}

const std::vector<std::string> kFixtures = {"reply.eml", "out-of-office.eml", "bounce-hard.eml",
                                            "bounce-soft.eml"};

}  // namespace

TEST_CASE("the IMAP fetcher returns new messages by UID, byte for byte, and nothing twice",
          "[net]") {
  ImapServer server;
  std::map<std::string, std::string> name_by_content;
  for (const auto& name : kFixtures) {
    const std::string raw = inbound_fixture(name);
    name_by_content[lf(raw)] = name;
    server.append(raw);
  }
  const ImapFetcher fetcher(settings_for(server));

  const FetchResult first = fetcher.fetch_since(0, 0);
  REQUIRE(first.error.empty());
  CHECK(first.uid_validity != 0);
  REQUIRE(first.messages.size() == 4);
  std::map<std::string, std::uint32_t> uid_by_name;
  for (std::size_t i = 0; i < first.messages.size(); ++i) {
    const auto& m = first.messages[i];
    if (i > 0) CHECK(m.uid > first.messages[i - 1].uid);  // oldest first
    const auto found = name_by_content.find(lf(m.raw));
    REQUIRE(found != name_by_content.end());  // byte-identical modulo line ends
    uid_by_name[found->second] = m.uid;
    const auto parsed = classify_inbound(m.raw);
    INFO(found->second);
    if (found->second == "reply.eml") CHECK(parsed.kind == Kind::reply);
    if (found->second == "out-of-office.eml") CHECK(parsed.kind == Kind::auto_reply);
    if (found->second == "bounce-hard.eml") {
      CHECK(parsed.kind == Kind::bounce);
      CHECK(parsed.bounce_kind == BounceKind::hard);
    }
    if (found->second == "bounce-soft.eml") {
      CHECK(parsed.kind == Kind::bounce);
      CHECK(parsed.bounce_kind == BounceKind::soft);
    }
  }
  CHECK(uid_by_name.size() == 4);
  const std::uint32_t last = first.messages.back().uid;

  SECTION("nothing new: nothing comes back") {
    const FetchResult again = fetcher.fetch_since(first.uid_validity, last);
    CHECK(again.error.empty());
    CHECK(again.uid_validity == first.uid_validity);
    CHECK(again.messages.empty());
  }

  SECTION("one more message: only it comes back") {
    const std::string extra =
        "From: Jordan Lee <jlee@acme-ny.com>\n"
        "To: rep.anna@touchpoint.test\n"
        "Date: Mon, 02 Mar 2026 09:00:00 +0000\n"
        "Message-ID: <later.1@acme-ny.com>\n"
        "Subject: Re: one more thing\n"
        "\n"
        "Also: Thursday works.\n";
    server.append(extra);
    const FetchResult next = fetcher.fetch_since(first.uid_validity, last);
    REQUIRE(next.error.empty());
    REQUIRE(next.messages.size() == 1);
    CHECK(next.messages[0].uid > last);
    CHECK(lf(next.messages[0].raw) == extra);
    CHECK(classify_inbound(next.messages[0].raw).kind == Kind::reply);
  }

  SECTION("at most N per call, the oldest first; the rest on the next call") {
    const FetchResult two = fetcher.fetch_since(first.uid_validity, 0, 2);
    REQUIRE(two.error.empty());
    REQUIRE(two.messages.size() == 2);
    CHECK(two.messages[0].uid == first.messages[0].uid);
    CHECK(two.messages[1].uid == first.messages[1].uid);
    const FetchResult rest = fetcher.fetch_since(first.uid_validity, two.messages[1].uid, 2);
    REQUIRE(rest.messages.size() == 2);
    CHECK(rest.messages[1].uid == last);
  }

  SECTION("a changed UIDVALIDITY refetches everything") {
    const FetchResult all = fetcher.fetch_since(first.uid_validity + 1, last);
    REQUIRE(all.error.empty());
    CHECK(all.messages.size() == 4);
  }
}

TEST_CASE("the IMAP fetcher reports a wrong password or a dead server, never throws", "[net]") {
  ImapServer server;
  server.append(inbound_fixture("reply.eml"));

  SECTION("wrong password") {
    auto settings = settings_for(server);
    settings.password = "not-the-password";
    FetchResult result;
    REQUIRE_NOTHROW(result = ImapFetcher(settings).fetch_since(0, 0));
    CHECK_FALSE(result.error.empty());
    CHECK(result.messages.empty());
    CHECK(result.error.find("not-the-password") == std::string::npos);
  }

  SECTION("no server on the port") {
    auto settings = settings_for(server);
    settings.port = 1;  // privileged, nothing listens on loopback
    FetchResult result;
    REQUIRE_NOTHROW(result = ImapFetcher(settings).fetch_since(0, 0));
    CHECK_FALSE(result.error.empty());
  }
}
