// A delivery status notification saying "delivered" (RFC 3464): recorded as the sent
// message's `delivered` event for the feed and the prospect's timeline; nothing else changes.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <string>

#include <touchpoint/store/store.hpp>

#include "cli_fixture.hpp"

using touchpoint::testing::CliFixture;

namespace {

// The shape of the shared bounce fixtures (fixtures/inbound/bounce-*.eml), reporting a
// delivery of `sent_id` to `recipient`.
std::string delivered_report(const std::string& report_id, const std::string& recipient,
                             const std::string& sent_id) {
  return "Return-Path: <>\r\n"
         "From: Mail Delivery System <MAILER-DAEMON@mx.touchpoint.test>\r\n"
         "To: rep.anna@touchpoint.test\r\n"
         "Subject: Successful Mail Delivery Report\r\n"
         "Date: Wed, 04 Mar 2026 09:00:00 +0000\r\n"
         "Message-ID: <" +
         report_id +
         ">\r\n"
         "Auto-Submitted: auto-replied\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/report; report-type=delivery-status;\r\n"
         "\tboundary=\"dsn-boundary-3\"\r\n"
         "\r\n"
         "--dsn-boundary-3\r\n"
         "Content-Type: text/plain; charset=us-ascii\r\n"
         "\r\n"
         "Your message was successfully delivered to the destination(s) listed below.\r\n"
         "\r\n"
         "--dsn-boundary-3\r\n"
         "Content-Type: message/delivery-status\r\n"
         "\r\n"
         "Reporting-MTA: dns; mx.touchpoint.test\r\n"
         "\r\n"
         "Final-Recipient: rfc822; " +
         recipient +
         "\r\n"
         "Action: delivered\r\n"
         "Status: 2.0.0\r\n"
         "Diagnostic-Code: smtp; 250 2.0.0 Ok: queued\r\n"
         "\r\n"
         "--dsn-boundary-3\r\n"
         "Content-Type: text/rfc822-headers\r\n"
         "\r\n"
         "From: Anna Berg <rep.anna@touchpoint.test>\r\n"
         "To: <" +
         recipient +
         ">\r\n"
         "Subject: Hello\r\n"
         "Message-ID: <" +
         sent_id +
         ">\r\n"
         "\r\n"
         "--dsn-boundary-3--\r\n";
}

}  // namespace

TEST_CASE("a delivered report records a delivered event on the sent message's enrollment",
          "[e2e]") {
  CliFixture cli;
  auto first = cli.send_first_emails();  // prospect -> Message-ID of step 1
  std::map<std::string, nlohmann::json> enrollment;
  for (const auto& e : cli.ok({"enrollments", "--json"}).json())
    enrollment[e["prospect"].get<std::string>()] = e;
  const std::string noah = "noah@lordhowe.au";
  const std::string asa = "asa.lindstrom@nordvik.se";
  REQUIRE(first.count(noah) == 1);
  REQUIRE(first.count(asa) == 1);

  // The report names a recipient address that is not the prospect's, as forwarding MTAs do:
  // it is matched by the sent Message-ID, not by the address.
  const auto path = (cli.dir() / "delivered.eml").string();
  std::ofstream(path, std::ios::binary) << delivered_report(
      "dsn-ok-1@mx.touchpoint.test", "noah.smith@mail.lordhowe.au", first[noah]);
  auto result = cli.ok({"inbound", "--json", "--now", "2026-03-04T09:00:05Z", path}).json();
  REQUIRE(result.size() == 1);
  CHECK(result[0]["kind"] == "delivered");
  CHECK(result[0]["action"] == "recorded");
  CHECK(result[0]["enrollments"].empty());  // no enrollment changed

  // A reply from Åsa ends her enrollment; the report of her message's delivery that comes
  // after it still lands on that enrollment.
  const auto reply = (cli.dir() / "reply.eml").string();
  std::ofstream(reply, std::ios::binary)
      << "From: Asa <" << asa << ">\r\nTo: rep.anna@touchpoint.test\r\nSubject: Re: hi\r\n"
      << "Message-ID: <reply-9@nordvik.se>\r\nIn-Reply-To: <" << first[asa] << ">\r\n\r\nYes\r\n";
  const auto late = (cli.dir() / "late.eml").string();
  std::ofstream(late, std::ios::binary)
      << delivered_report("dsn-ok-2@mx.touchpoint.test", asa, first[asa]);
  auto later = cli.ok({"inbound", "--json", "--now", "2026-03-04T10:00:00Z", reply, late}).json();
  CHECK(later[0]["action"] == "exited");
  CHECK(later[1]["kind"] == "delivered");
  CHECK(later[1]["action"] == "recorded");

  // The same report again is not a second delivery.
  CHECK(cli.ok({"inbound", "--json", path}).json()[0]["action"] == "duplicate");

  std::map<std::string, nlohmann::json> after;
  for (const auto& e : cli.ok({"enrollments", "--json"}).json())
    after[e["prospect"].get<std::string>()] = e;
  CHECK(after[noah]["state"] == "active");
  CHECK(after[asa]["state"] == "exited");

  // The feed and the timelines read the events.
  auto store = touchpoint::store::open_sqlite_store(cli.db());
  std::map<std::int64_t, std::string> delivered;  // enrollment -> detail
  std::size_t replies = 0;
  for (const auto& a : store->activity().events_after(0, 0)) {
    // The report and the reply are about the first email: they count for that email.
    if (a.event.type == "reply") {
      ++replies;
      CHECK(a.position == 1);
      CHECK(a.message != 0);
    }
    if (a.event.type != "delivered") continue;
    REQUIRE(a.event.enrollment);
    delivered[a.event.enrollment->value] = a.event.detail;
    CHECK(a.position == 1);
    CHECK(a.message != 0);
    CHECK_FALSE(a.subject.empty());
  }
  CHECK(replies == 1);
  CHECK(delivered.size() == 2);
  CHECK(delivered[enrollment[noah]["id"].get<std::int64_t>()] == "2.0.0");
  CHECK(delivered.count(enrollment[asa]["id"].get<std::int64_t>()) == 1);

  const auto prospect = store->prospects().find(noah);
  REQUIRE(prospect);
  std::size_t on_timeline = 0;
  for (const auto& a : store->activity().prospect_events(prospect->id))
    on_timeline += a.event.type == "delivered";
  CHECK(on_timeline == 1);
}
