// The task queue through the service: filters, paging, actions and their errors.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "service_fixture.hpp"

using namespace touchpoint;
using namespace touchpoint::testing;
using bridge::Json;
using bridge::Query;

TEST_CASE("the queue lists a rep's open tasks with the documented fields, page by page",
          "[store]") {
  DemoService demo;
  auto& svc = *demo.service;

  auto all = svc.list_tasks(demo.anna, {}, demo.now());
  REQUIRE(all["tasks"].size() == 3);  // Åsa, Daan and María: Anna's three day-3 calls
  CHECK(all["total"] == 3);
  CHECK(all["limit"] == 50);
  CHECK(all["next_offset"].is_null());
  const auto& t = all["tasks"][0];
  for (const char* field :
       {"id", "type", "state", "due_date", "prospect", "owner", "sequence", "step", "title", "note",
        "subject", "snoozed_until", "outcome", "notes"})
    CHECK(t.contains(field));
  CHECK(t["type"] == "call");
  CHECK(t["state"] == "open");
  CHECK(t["owner"]["email"] == "rep.anna@touchpoint.test");
  CHECK(t["owner"]["name"] == "Anna Berg");
  CHECK(t["sequence"]["name"] == "Outbound - all send options");
  CHECK(t["sequence"]["id"] == 1);
  CHECK(t["step"] == 3);
  CHECK(t["view"] == "overdue");  // due on day 3, looked at on day 9
  for (const char* field : {"id", "email", "name", "company", "timezone"})
    CHECK(t["prospect"].contains(field));

  // Paging: two, then the last one, with next_offset saying where to go on.
  auto first = svc.list_tasks(demo.anna, {{"limit", "2"}}, demo.now());
  CHECK(first["tasks"].size() == 2);
  CHECK(first["total"] == 3);
  CHECK(first["next_offset"] == 2);
  auto second = svc.list_tasks(demo.anna, {{"limit", "2"}, {"offset", "2"}}, demo.now());
  REQUIRE(second["tasks"].size() == 1);
  CHECK(second["next_offset"].is_null());
  CHECK(second["tasks"][0]["id"] == all["tasks"][2]["id"]);
  // Past the end: nothing, and no next page.
  auto beyond = svc.list_tasks(demo.anna, {{"offset", "10"}}, demo.now());
  CHECK(beyond["tasks"].empty());
  CHECK(beyond["next_offset"].is_null());
  // A limit above 200 is cut to 200.
  CHECK(svc.list_tasks(demo.anna, {{"limit", "5000"}}, demo.now())["limit"] == 200);
}

TEST_CASE("the queue filters by owner, state, type and view", "[store]") {
  DemoService demo;
  auto& svc = *demo.service;
  auto count = [&](Query q) { return svc.list_tasks(demo.anna, q, demo.now())["total"]; };

  CHECK(count({{"owner", "all"}}) == 9);
  CHECK(count({{"owner", "me"}}) == 3);
  CHECK(count({{"owner", ""}}) == 3);  // empty means the default, me
  CHECK(count({{"owner", "rep.jisoo@touchpoint.test"}}) == 2);
  CHECK(count({{"owner", "REP.SAM@touchpoint.test"}}) == 4);
  CHECK(count({{"type", "call"}}) == 3);
  CHECK(count({{"type", "linkedin"}}) == 0);
  CHECK(count({{"state", "completed"}}) == 0);
  CHECK(count({{"state", "all"}}) == 3);
  CHECK(count({{"view", "overdue"}}) == 3);
  CHECK(count({{"view", "today"}}) == 0);
  CHECK(count({{"view", "upcoming"}}) == 0);
  // On the calls' own day (Wednesday 4 March, afternoon in Stockholm), they are today's.
  CHECK(svc.list_tasks(demo.anna, {{"view", "today"}}, at("2026-03-04T13:00:00Z"))["total"] == 3);
}

TEST_CASE("bad query parameters and body fields are refused naming the field", "[store]") {
  DemoService demo;
  auto& svc = *demo.service;
  auto query_error = [&](Query q) {
    return api_error_of([&] { svc.list_tasks(demo.anna, q, demo.now()); });
  };
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"state", "done"},
                                                        {"type", "fax"},
                                                        {"view", "tomorrow"},
                                                        {"limit", "ten"},
                                                        {"limit", "0"},
                                                        {"offset", "-1"},
                                                        {"owner", "nobody@touchpoint.test"}}) {
    auto e = query_error({{name, value}});
    INFO(name << "=" << value << ": " << e.what());
    CHECK(e.status == 400);
    CHECK(e.code == "bad_request");
    CHECK(e.details["field"] == name);
    CHECK(std::string(e.what()).rfind(name + ": ", 0) == 0);
  }

  auto id =
      core::TaskId{svc.list_tasks(demo.anna, {}, demo.now())["tasks"][0]["id"].get<std::int64_t>()};
  auto action_error = [&](const char* action, Json body) {
    return api_error_of([&] { svc.task_action(demo.anna, id, action, body, demo.now()); });
  };
  struct Case {
    const char* action;
    Json body;
    const char* field;
  };
  for (const auto& c : std::vector<Case>{
           {"snooze", Json::object(), "until"},
           {"snooze", Json{{"until", "tomorrow"}}, "until"},
           {"snooze", Json{{"until", "2026-03-12T10:00"}}, "until"},      // no offset
           {"snooze", Json{{"until", "2026-03-01T10:00:00Z"}}, "until"},  // in the past
           {"snooze", Json{{"until", 12}}, "until"},
           {"complete", Json{{"outcome", 3}}, "outcome"},
           {"complete", Json{{"notes", Json::array()}}, "notes"},
           {"skip", Json{{"notes", true}}, "notes"},
           {"reassign", Json::object(), "owner"},
           {"reassign", Json{{"owner", "nobody@touchpoint.test"}}, "owner"}}) {
    auto e = action_error(c.action, c.body);
    INFO(c.action << " " << c.body.dump() << ": " << e.what());
    CHECK(e.status == 400);
    CHECK(e.code == "bad_request");
    CHECK(e.details["field"] == c.field);
  }
  CHECK(action_error("complete", Json::array()).status == 400);  // not an object
  CHECK(action_error("archive", Json::object()).status == 404);
  // Nothing above changed the task.
  CHECK(svc.get_task(id)["task"]["state"] == "open");
  CHECK(svc.get_task(id)["task"]["snoozed_until"].is_null());
  CHECK(api_error_of([&] { svc.get_task(core::TaskId{99999}); }).status == 404);
}

TEST_CASE("completing a task twice: the second is a conflict", "[store]") {
  DemoService demo;
  auto& svc = *demo.service;
  auto id =
      core::TaskId{svc.list_tasks(demo.anna, {}, demo.now())["tasks"][0]["id"].get<std::int64_t>()};

  auto done = svc.task_action(demo.anna, id, "complete",
                              Json{{"outcome", "connected"}, {"notes", "Demo booked for Tuesday"}},
                              demo.now());
  CHECK(done["task"]["state"] == "completed");
  CHECK(done["task"]["outcome"] == "connected");
  CHECK(done["task"]["notes"] == "Demo booked for Tuesday");
  CHECK(done["task"]["view"].is_null());

  auto again = api_error_of([&] {
    svc.task_action(demo.anna, id, "complete", Json{{"outcome", "no_answer"}}, demo.now());
  });
  CHECK(again.status == 409);
  CHECK(again.code == "conflict");
  CHECK(api_error_of([&] { svc.task_action(demo.anna, id, "skip", nullptr, demo.now()); }).status ==
        409);
  // The first completion stands, and the task has left the open queue.
  CHECK(svc.get_task(id)["task"]["outcome"] == "connected");
  CHECK(svc.list_tasks(demo.anna, {}, demo.now())["total"] == 2);
  CHECK(svc.list_tasks(demo.anna, {{"state", "completed"}}, demo.now())["total"] == 1);
}

TEST_CASE("two services on their own connections complete the same task: exactly one wins",
          "[store]") {
  DemoService demo;
  auto id = core::TaskId{
      demo.service->list_tasks(demo.anna, {}, demo.now())["tasks"][0]["id"].get<std::int64_t>()};
  for (int round = 0; round < 3; ++round) {
    // Each round races on a fresh open task.
    if (round > 0)
      id = core::TaskId{demo.service->list_tasks(demo.anna, {}, demo.now())["tasks"][0]["id"]
                            .get<std::int64_t>()};
    std::atomic<int> wins = 0, conflicts = 0, others = 0;
    auto worker = [&] {
      try {
        auto store = store::open_sqlite_store(demo.cli.db());
        bridge::Service svc(*store, DemoService::engine_config());
        svc.task_action(demo.anna, id, "complete", Json{{"outcome", "connected"}}, demo.now());
        ++wins;
      } catch (const bridge::ApiError& e) {
        (e.status == 409 ? conflicts : others)++;
      } catch (...) {
        ++others;
      }
    };
    std::thread a(worker), b(worker);
    a.join();
    b.join();
    CHECK(wins == 1);
    CHECK(conflicts == 1);
    CHECK(others == 0);
  }
}

TEST_CASE("skip, snooze and reassign change the task and where it shows", "[store]") {
  DemoService demo;
  auto& svc = *demo.service;
  auto tasks = svc.list_tasks(demo.anna, {}, demo.now())["tasks"];
  auto id_at = [&](std::size_t i) { return core::TaskId{tasks[i]["id"].get<std::int64_t>()}; };

  auto skipped =
      svc.task_action(demo.anna, id_at(0), "skip", Json{{"notes", "wrong number"}}, demo.now());
  CHECK(skipped["task"]["state"] == "skipped");
  CHECK(skipped["task"]["notes"] == "wrong number");

  auto snoozed = svc.task_action(demo.anna, id_at(1), "snooze",
                                 Json{{"until", "2026-03-16T09:00:00+01:00"}}, demo.now());
  CHECK(snoozed["task"]["state"] == "open");
  CHECK(snoozed["task"]["snoozed_until"] == "2026-03-16T08:00:00Z");
  CHECK(snoozed["task"]["view"] == "upcoming");

  auto moved = svc.task_action(demo.anna, id_at(2), "reassign",
                               Json{{"owner", "rep.jisoo@touchpoint.test"}}, demo.now());
  CHECK(moved["task"]["owner"]["email"] == "rep.jisoo@touchpoint.test");
  CHECK(moved["task"]["owner"]["name"] == "Jisoo Park");

  // Anna keeps only the snoozed one; Jisoo has hers and the reassigned one.
  auto anna = svc.list_tasks(demo.anna, {}, demo.now());
  REQUIRE(anna["total"] == 1);
  CHECK(anna["tasks"][0]["id"] == id_at(1).value);
  CHECK(svc.list_tasks(demo.anna, {{"view", "upcoming"}}, demo.now())["total"] == 1);
  CHECK(svc.list_tasks(demo.jisoo, {}, demo.now())["total"] == 3);
  CHECK(svc.list_tasks(demo.anna, {{"state", "skipped"}}, demo.now())["total"] == 1);
}
