// The task queue's pages, cut by the database, against the rule they stand for: every task of
// the filter, kept when core::classify puts it in the asked view in its owner's zone, in due
// order, then sliced by offset and limit.
#include <catch2/catch.hpp>

#include <touchpoint/core/task.hpp>

#include "service_fixture.hpp"

using namespace touchpoint;
using namespace touchpoint::testing;
using bridge::Json;
using bridge::Query;

namespace {

// The tasks the queue should hold: read one by one, classified here.
std::vector<std::int64_t> expected_ids(store::Store& store, std::optional<core::UserId> owner,
                                       std::optional<core::TaskState> state,
                                       std::optional<core::TaskView> view, core::Timestamp now) {
  store::TaskFilter filter;
  filter.owner = owner;
  filter.state = state;
  std::vector<std::int64_t> ids;
  for (const auto& t : store.tasks().list(filter)) {
    if (view) {
      if (t.state != core::TaskState::open) continue;
      auto rep = store.users().get(t.owner);
      const auto* zone = rep ? core::find_zone(rep->timezone) : nullptr;
      if (core::classify(t, now, zone ? *zone : *core::find_zone("UTC")) != *view) continue;
    }
    ids.push_back(t.id.value);
  }
  return ids;
}

}  // namespace

TEST_CASE("every page of every view holds the tasks core::classify puts there, in due order",
          "[store]") {
  DemoService demo;
  auto& svc = *demo.service;
  auto& store = *demo.store;
  auto sam = *store.users().find("rep.sam@touchpoint.test");

  // Make the queue less uniform: a snoozed task, a task given to a rep in another zone, and a
  // closed one.
  auto anna_tasks = svc.list_tasks(demo.anna, {}, demo.now())["tasks"];
  REQUIRE(anna_tasks.size() == 3);
  auto id = [](const Json& t) { return core::TaskId{t["id"].get<std::int64_t>()}; };
  svc.task_action(demo.anna, id(anna_tasks[0]), "snooze", Json{{"until", "2026-03-20T08:00:00Z"}},
                  demo.now());
  svc.task_action(demo.anna, id(anna_tasks[1]), "reassign",
                  Json{{"owner", "rep.jisoo@touchpoint.test"}}, demo.now());
  auto sam_tasks = svc.list_tasks(sam, {}, demo.now())["tasks"];
  REQUIRE(!sam_tasks.empty());
  svc.task_action(sam, id(sam_tasks[0]), "complete", Json{{"outcome", "connected"}}, demo.now());

  struct Owner {
    std::string query;
    std::optional<core::UserId> id;
  };
  const std::vector<Owner> owners = {{"me", demo.anna.id},
                                     {"all", std::nullopt},
                                     {"rep.jisoo@touchpoint.test", demo.jisoo.id},
                                     {"rep.sam@touchpoint.test", sam.id}};
  // The calls are due on Wednesday 4 March in Stockholm, Seoul and Los Angeles: instants on
  // either side of those zones' midnights, and the demo's own "now".
  const std::vector<const char*> instants = {
      "2026-03-03T12:00:00Z", "2026-03-03T14:59:59Z", "2026-03-03T15:00:00Z",
      "2026-03-03T22:59:59Z", "2026-03-03T23:00:00Z", "2026-03-04T07:59:59Z",
      "2026-03-04T08:00:00Z", "2026-03-04T13:00:00Z", "2026-03-04T22:59:59Z",
      "2026-03-05T08:00:00Z", "2026-03-12T12:00:00Z", "2026-03-21T12:00:00Z"};
  const std::vector<std::optional<core::TaskView>> views = {
      std::nullopt, core::TaskView::today, core::TaskView::overdue, core::TaskView::upcoming};
  const std::vector<std::optional<core::TaskState>> states = {core::TaskState::open,
                                                              std::nullopt};
  int pages = 0, nonempty_views = 0;
  for (const auto* instant : instants) {
    auto now = at(instant);
    for (const auto& owner : owners) {
      for (const auto& view : views) {
        for (const auto& state : states) {
          auto expected = expected_ids(store, owner.id, state, view, now);
          if (view && !expected.empty()) ++nonempty_views;
          for (std::size_t limit : {std::size_t{1}, std::size_t{2}, std::size_t{50}}) {
            for (std::size_t offset = 0; offset <= expected.size() + 1; ++offset) {
              Query q{{"owner", owner.query},
                      {"limit", std::to_string(limit)},
                      {"offset", std::to_string(offset)},
                      {"state", state ? core::to_string(*state) : "all"}};
              if (view) q["view"] = core::to_string(*view);
              auto page = svc.list_tasks(demo.anna, q, now);
              ++pages;
              INFO(instant << " owner=" << owner.query << " view=" << q["view"] << " state="
                           << q["state"] << " limit=" << limit << " offset=" << offset);
              CHECK(page["total"] == expected.size());
              std::vector<std::int64_t> got;
              for (const auto& t : page["tasks"]) {
                got.push_back(t["id"].get<std::int64_t>());
                if (view) CHECK(t["view"] == core::to_string(*view));
              }
              std::vector<std::int64_t> want;
              for (auto i = offset; i < expected.size() && want.size() < limit; ++i)
                want.push_back(expected[i]);
              CHECK(got == want);
              if (offset + want.size() < expected.size() && !want.empty())
                CHECK(page["next_offset"] == offset + want.size());
              else
                CHECK(page["next_offset"].is_null());
            }
          }
        }
      }
    }
  }
  CHECK(pages > 1000);
  CHECK(nonempty_views > 50);  // the views were not all empty
}

TEST_CASE("a task reassigned to a rep in another zone is today's by that rep's day", "[store]") {
  DemoService demo;
  auto& svc = *demo.service;
  // Åsa's call (Stockholm) is due on Wednesday 4 March. At 16:00 UTC that Wednesday it is
  // still Wednesday in Stockholm but already Thursday in Seoul.
  auto tasks = svc.list_tasks(demo.anna, {}, demo.now())["tasks"];
  REQUIRE(!tasks.empty());
  auto first = tasks[0];
  auto when = at("2026-03-04T16:00:00Z");
  CHECK(svc.list_tasks(demo.anna, {{"view", "today"}}, when)["total"] == tasks.size());
  svc.task_action(demo.anna, core::TaskId{first["id"].get<std::int64_t>()}, "reassign",
                  Json{{"owner", "rep.jisoo@touchpoint.test"}}, demo.now());
  auto jisoo_overdue =
      svc.list_tasks(demo.jisoo, {{"view", "overdue"}, {"owner", "me"}}, when)["tasks"];
  bool found = false;
  for (const auto& t : jisoo_overdue) found = found || t["id"] == first["id"];
  CHECK(found);
  CHECK(svc.list_tasks(demo.anna, {{"view", "today"}}, when)["total"] == tasks.size() - 1);
}
