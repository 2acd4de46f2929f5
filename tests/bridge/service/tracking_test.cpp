// The public tracking endpoints through the service: signed tokens only, machine hits
// marked, a click implying an open, and unsubscribe ending the enrollment once.
#include <catch2/catch.hpp>

#include <touchpoint/core/tokens.hpp>

#include "tracking_support.hpp"

using namespace touchpoint;
using namespace touchpoint::testing;
using bridge::Hit;
using bridge::Json;
using bridge::TrackingReply;

namespace {

const Hit kPerson{
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36",
    "198.51.100.23"};
const Hit kGmailProxy{
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
    "66.249.84.12"};

// The events recorded after `after`, as the feed shows them.
std::vector<Json> events_since(DemoService& demo, std::int64_t after) {
  std::vector<Json> out;
  for (const auto& e : demo.service->feed_after(after, 100)) out.push_back(e.data);
  return out;
}

}  // namespace

TEST_CASE("forged, altered, mismatched and expired tokens are gone and record nothing", "[store]") {
  DemoService demo;
  auto& svc = *demo.service;
  auto links = first_email_links(demo, "asa.lindstrom@nordvik.se");
  auto before = svc.last_event_id();

  auto altered = links.click;
  altered[altered.size() / 2] = altered[altered.size() / 2] == 'A' ? 'B' : 'A';
  // A token signed with another secret, sending the click anywhere the forger likes.
  auto forged = core::sign_token(
      {core::TrackingToken::Kind::click, 1, "https://evil.example/phish", 0}, "not the secret");
  // A token signed with the right secret that has expired.
  auto expired = core::sign_token({core::TrackingToken::Kind::open, 1, "", 1700000000}, kSecret);

  CHECK(svc.click(forged, kPerson, demo.now()).kind == TrackingReply::Kind::gone);
  CHECK(svc.click(altered, kPerson, demo.now()).kind == TrackingReply::Kind::gone);
  CHECK(svc.click("", kPerson, demo.now()).kind == TrackingReply::Kind::gone);
  CHECK(svc.click("v1.garbage", kPerson, demo.now()).kind == TrackingReply::Kind::gone);
  CHECK(svc.open(expired, kPerson, demo.now()).kind == TrackingReply::Kind::gone);
  // A valid token on the wrong endpoint is no good either.
  CHECK(svc.click(links.open, kPerson, demo.now()).kind == TrackingReply::Kind::gone);
  CHECK(svc.open(links.click, kPerson, demo.now()).kind == TrackingReply::Kind::gone);
  CHECK(svc.unsubscribe(links.click, kPerson, demo.now()).kind == TrackingReply::Kind::gone);
  CHECK(svc.unsubscribe_page(forged, demo.now()).kind == TrackingReply::Kind::gone);
  CHECK(svc.unsubscribe(forged, kPerson, demo.now()).kind == TrackingReply::Kind::gone);
  // A well-signed token for a step that does not exist.
  auto nowhere = core::sign_token({core::TrackingToken::Kind::open, 424242, "", 0}, kSecret);
  CHECK(svc.open(nowhere, kPerson, demo.now()).kind == TrackingReply::Kind::gone);

  CHECK(svc.last_event_id() == before);
  CHECK(demo.store->enrollments().get(links.enrollment)->state == core::EnrollmentState::active);
}

TEST_CASE("a click redirects only to the signed URL and records the click and an open", "[store]") {
  DemoService demo;
  auto& svc = *demo.service;
  auto links = first_email_links(demo, "asa.lindstrom@nordvik.se");
  auto before = svc.last_event_id();

  auto reply = svc.click(links.click, kPerson, demo.now());
  CHECK(reply.kind == TrackingReply::Kind::redirect);
  CHECK(reply.location == "https://touchpoint.test/tour");

  auto events = events_since(demo, before);
  REQUIRE(events.size() == 2);
  CHECK(events[0]["type"] == "open");
  CHECK(events[1]["type"] == "click");
  CHECK(events[1]["detail"] == "https://touchpoint.test/tour");
  for (const auto& e : events) {
    CHECK(e["machine"] == false);
    CHECK(e["prospect"]["email"] == "asa.lindstrom@nordvik.se");
    CHECK(e["prospect"]["name"] == "Åsa Lindström");
    CHECK(e["enrollment"]["id"] == links.enrollment.value);
    CHECK(e["step"] == 1);
    CHECK(e["subject"] == "Nordvik AB and faster follow-ups");
  }

  // A second click is a click; the open is not recorded again.
  auto mid = svc.last_event_id();
  CHECK(svc.click(links.click, kPerson, demo.now()).location == "https://touchpoint.test/tour");
  auto later = events_since(demo, mid);
  REQUIRE(later.size() == 1);
  CHECK(later[0]["type"] == "click");

  // The sequence's KPIs count the step once.
  auto step = svc.get_sequence("1")["sequence"]["steps"][0]["kpis"];
  CHECK(step["opened"] == 1);
  CHECK(step["clicked"] == 1);
}

TEST_CASE("an open through Gmail's image proxy is recorded as a machine hit", "[store]") {
  DemoService demo;
  auto& svc = *demo.service;
  auto links = first_email_links(demo, "daan.dejong@polderbank.nl");
  auto before = svc.last_event_id();

  CHECK(svc.open(links.open, kGmailProxy, demo.now()).kind == TrackingReply::Kind::pixel);
  auto events = events_since(demo, before);
  REQUIRE(events.size() == 1);
  CHECK(events[0]["type"] == "open");
  CHECK(events[0]["machine"] == true);
  CHECK(events[0]["machine_kind"] == "google_image_proxy");
  CHECK(events[0]["prospect"]["name"] == "Daan de Jong");

  // Counted apart from people's opens.
  auto step = svc.get_sequence("1")["sequence"]["steps"][0]["kpis"];
  CHECK(step["opened"] == 0);
  CHECK(step["machine_opened"] == 1);

  // A person opening it later is a person's open.
  CHECK(svc.open(links.open, kPerson, demo.now()).kind == TrackingReply::Kind::pixel);
  CHECK(svc.get_sequence("1")["sequence"]["steps"][0]["kpis"]["opened"] == 1);
}

TEST_CASE("the unsubscribe page is a form posting back, escaped, and records nothing", "[store]") {
  DemoService demo;
  auto& svc = *demo.service;
  auto links = first_email_links(demo, "maria.oconnor@shamrock.ie");
  auto before = svc.last_event_id();

  auto page = svc.unsubscribe_page(links.unsubscribe, demo.now());
  REQUIRE(page.kind == TrackingReply::Kind::page);
  CHECK_THAT(page.html,
             Catch::Contains("<form method=\"post\" action=\"/u/" + links.unsubscribe + "\">"));
  CHECK_THAT(page.html, Catch::Contains("name=\"List-Unsubscribe\" value=\"One-Click\""));
  CHECK_THAT(page.html, Catch::Contains("maria.oconnor@shamrock.ie"));
  CHECK(page.html.find("<script") == std::string::npos);
  CHECK(svc.last_event_id() == before);
  CHECK(demo.store->enrollments().get(links.enrollment)->state == core::EnrollmentState::active);
}

TEST_CASE("an unsubscribe POST ends the enrollment with cause unsubscribe; twice is fine",
          "[store]") {
  DemoService demo;
  auto& svc = *demo.service;
  auto links = first_email_links(demo, "asa.lindstrom@nordvik.se");
  auto before = svc.last_event_id();

  auto done = svc.unsubscribe(links.unsubscribe, kPerson, demo.now());
  CHECK(done.kind == TrackingReply::Kind::page);
  CHECK_THAT(done.html, Catch::Contains("unsubscribed"));
  auto enrollment = demo.store->enrollments().get(links.enrollment);
  CHECK(enrollment->state == core::EnrollmentState::exited);
  CHECK(enrollment->exit_cause == core::ExitCause::unsubscribe);
  // Her open call task went with it.
  CHECK(svc.list_tasks(demo.anna, {}, demo.now())["total"] == 2);

  auto events = events_since(demo, before);
  std::size_t unsubscribes = 0;
  for (const auto& e : events) unsubscribes += e["type"] == "unsubscribe";
  CHECK(unsubscribes == 1);

  // Again (a client retrying, the form after one-click): the same page, nothing new.
  auto mid = svc.last_event_id();
  auto again = svc.unsubscribe(links.unsubscribe, kPerson, demo.now());
  CHECK(again.kind == TrackingReply::Kind::page);
  CHECK(again.html == done.html);
  CHECK(svc.last_event_id() == mid);
  CHECK(demo.store->enrollments().get(links.enrollment)->state == core::EnrollmentState::exited);
  CHECK(svc.get_sequence("1")["sequence"]["steps"][0]["kpis"]["unsubscribed"] == 1);
}
