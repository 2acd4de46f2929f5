// Prospect search and timeline, the live feed, and the queue gauges, through the service.
#include <catch2/catch.hpp>

#include <algorithm>

#include "tracking_support.hpp"

using namespace touchpoint;
using namespace touchpoint::testing;
using bridge::Json;

TEST_CASE("prospects are found by email, name or company, page by page", "[store]") {
  DemoService demo;
  auto& svc = *demo.service;
  auto emails = [&](bridge::Query q) {
    std::vector<std::string> out;
    auto found = svc.search_prospects(q);  // kept: the loop reads into it
    for (const auto& p : found["prospects"]) out.push_back(p["email"].get<std::string>());
    return out;
  };
  CHECK(svc.search_prospects({})["total"] == 9);
  CHECK(emails({{"q", "polderbank"}}) == std::vector<std::string>{"daan.dejong@polderbank.nl"});
  CHECK(emails({{"q", "Åsa Lind"}}) == std::vector<std::string>{"asa.lindstrom@nordvik.se"});
  CHECK(emails({{"q", "김민준"}}) == std::vector<std::string>{"minjun.kim@hanbit.co.kr"});
  CHECK(emails({{"q", "SHAMROCK FREIGHT"}}) ==
        std::vector<std::string>{"maria.oconnor@shamrock.ie"});
  CHECK(emails({{"q", "100%"}}).empty());  // LIKE's wildcards are taken literally
  CHECK(emails({{"q", "_"}}).empty());

  auto page = svc.search_prospects({{"limit", "4"}, {"offset", "4"}});
  CHECK(page["prospects"].size() == 4);
  CHECK(page["total"] == 9);
  CHECK(page["next_offset"] == 8);
  const auto& p = page["prospects"][0];
  for (const char* field :
       {"id", "email", "name", "company", "title", "timezone", "owner", "custom"})
    CHECK(p.contains(field));
}

TEST_CASE("a prospect's timeline has its enrollments, events and tasks", "[store]") {
  DemoService demo;
  auto& svc = *demo.service;
  auto asa = demo.store->prospects().find("asa.lindstrom@nordvik.se")->id;
  auto links = first_email_links(demo, "asa.lindstrom@nordvik.se");
  svc.click(links.click, {"Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0", "192.0.2.5"},
            demo.now());

  auto t = svc.prospect_timeline(asa);
  CHECK(t["prospect"]["name"] == "Åsa Lindström");
  CHECK(t["prospect"]["custom"]["industry"] == "Logistics");
  REQUIRE(t["enrollments"].size() == 1);
  CHECK(t["enrollments"][0]["state"] == "active");
  REQUIRE(t["tasks"].size() == 1);
  CHECK(t["tasks"][0]["type"] == "call");
  CHECK(t["tasks"][0]["prospect"]["email"] == "asa.lindstrom@nordvik.se");

  std::vector<std::string> types;
  std::int64_t last_id = 0;
  for (const auto& e : t["events"]) {
    types.push_back(e["type"].get<std::string>());
    CHECK(e["id"].get<std::int64_t>() > last_id);  // oldest first
    last_id = e["id"].get<std::int64_t>();
    // Only Åsa's events, never another prospect's.
    CHECK(e["prospect"]["email"] == "asa.lindstrom@nordvik.se");
  }
  CHECK(std::count(types.begin(), types.end(), "sent") == 2);
  CHECK(std::count(types.begin(), types.end(), "open") == 1);  // implied by the click
  CHECK(types.back() == "click");

  CHECK(api_error_of([&] { svc.prospect_timeline(core::ProspectId{9999}); }).status == 404);
}

TEST_CASE("the feed gives events after an id, oldest first, a page at a time", "[store]") {
  DemoService demo;
  auto& svc = *demo.service;
  auto last = svc.last_event_id();
  REQUIRE(last > 10);

  auto all = svc.feed_after(0, 1000);
  REQUIRE(static_cast<std::int64_t>(all.size()) == last);
  for (std::size_t i = 1; i < all.size(); ++i) CHECK(all[i].id > all[i - 1].id);
  CHECK(all.back().id == last);
  for (const auto& e : all) {
    CHECK(e.data["id"] == e.id);
    CHECK(e.data["type"] == e.type);
  }

  // Resuming after an id gives exactly what came after it, a limited number at a time.
  auto middle = all[5].id;
  auto page = svc.feed_after(middle, 3);
  REQUIRE(page.size() == 3);
  CHECK(page[0].id == all[6].id);
  CHECK(page[2].id == all[8].id);
  CHECK(svc.feed_after(last, 100).empty());
  CHECK(svc.feed_after(0, 0).empty());

  // A sent event names its prospect through the enrollment, with the subject people saw.
  auto sent = std::find_if(all.begin(), all.end(), [](const auto& e) { return e.type == "sent"; });
  REQUIRE(sent != all.end());
  CHECK_FALSE(sent->data["prospect"].is_null());
  CHECK_FALSE(sent->data["subject"].get<std::string>().empty());
  CHECK(sent->data["enrollment"]["sequence"]["name"] == "Outbound - all send options");

  // A new event arrives after the last id.
  auto links = first_email_links(demo, "minjun.kim@hanbit.co.kr");
  svc.open(links.open, {"Mozilla/5.0 (iPhone) Mobile/15E148", "203.0.113.77"}, demo.now());
  auto fresh = svc.feed_after(last, 100);
  REQUIRE(fresh.size() == 1);
  CHECK(fresh[0].type == "open");
  CHECK(fresh[0].data["prospect"]["name"] == "김민준");
  CHECK(svc.last_event_id() == fresh[0].id);
}

TEST_CASE("queue sizes count open tasks, queued and unknown messages and scheduled steps",
          "[store]") {
  DemoService demo;
  auto sizes = demo.service->queue_sizes();
  CHECK(sizes.open_tasks == 9);
  CHECK(sizes.queued_messages == 0);  // the demo's tick sent everything due
  CHECK(sizes.unknown_messages == 0);
  CHECK(sizes.scheduled_steps == 9 * 4);  // steps 4 to 7 of every enrollment
  demo.service->task_action(
      demo.anna,
      core::TaskId{demo.service->list_tasks(demo.anna, {}, demo.now())["tasks"][0]["id"]
                       .get<std::int64_t>()},
      "complete", Json::object(), demo.now());
  CHECK(demo.service->queue_sizes().open_tasks == 8);
}
