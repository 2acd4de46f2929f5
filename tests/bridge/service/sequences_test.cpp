// Sequences through the service: list, get with KPIs per step, versions, apply.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "service_fixture.hpp"

using namespace touchpoint;
using namespace touchpoint::testing;
using bridge::Json;

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

constexpr const char* kCalls = R"({"name": "Calls", "steps": [
  {"day": 1, "type": "call", "note": "Call {{first_name}}"},
  {"day": 2, "type": "email", "send": {"mode": "at_time", "at": "10:00"},
   "template": {"subject": "Hi {{first_name}}", "body": "<p>Hello</p>"}}]})";

}  // namespace

TEST_CASE("an invalid sequence is refused with every error listed, and nothing is stored",
          "[store]") {
  DemoService demo;
  auto& svc = *demo.service;
  auto text = read(fixture("sequence-invalid.json"));
  auto e = api_error_of([&] { svc.apply_sequence(text, demo.now()); });
  CHECK(e.status == 422);
  CHECK(e.code == "invalid");
  REQUIRE(e.details.is_array());

  // The CLI reports the same file's errors one per line: the API lists each of them.
  auto cli = demo.cli.run({"sequence", "apply", fixture("sequence-invalid.json")});
  CHECK(cli.status == 2);
  std::size_t cli_errors = 0;
  for (std::size_t at = cli.err.find("\n  "); at != std::string::npos;
       at = cli.err.find("\n  ", at + 1))
    ++cli_errors;
  CHECK(cli_errors >= 3);
  CHECK(e.details.size() == cli_errors);
  std::set<std::string> fields;
  for (const auto& d : e.details) {
    CHECK(d.contains("where"));
    CHECK(d.contains("message"));
    CHECK_THAT(cli.err, Catch::Contains(d["text"].get<std::string>()));
    fields.insert(d["field"].get<std::string>());
  }
  CHECK(fields.count("timezone"));
  CHECK(fields.count("send.at"));
  CHECK(svc.list_sequences()["sequences"].size() == 1);

  // Not JSON at all is bad_json, not a list of sequence errors.
  auto bad = api_error_of([&] { svc.apply_sequence("{\"name\": ", demo.now()); });
  CHECK(bad.status == 400);
  CHECK(bad.code == "bad_json");
}

TEST_CASE("applying a sequence makes versions; list, get and versions show them", "[store]") {
  DemoService demo;
  auto& svc = *demo.service;
  auto applied = svc.apply_sequence(kCalls, demo.now());
  CHECK(applied["version"] == 1);
  CHECK(applied["changed"] == true);
  auto id = applied["id"].get<std::int64_t>();
  CHECK(svc.apply_sequence(kCalls, demo.now()) ==
        Json({{"id", id}, {"version", 1}, {"changed", false}}));
  std::string changed = kCalls;
  changed.replace(changed.find("Call {{"), 4, "Ring");
  CHECK(svc.apply_sequence(changed, demo.now())["version"] == 2);

  auto list = svc.list_sequences()["sequences"];
  REQUIRE(list.size() == 2);
  CHECK(list[0]["name"] == "Outbound - all send options");
  CHECK(list[0]["active_enrollments"] == 9);
  CHECK(list[1] == Json({{"id", id},
                         {"name", "Calls"},
                         {"version", 2},
                         {"steps", 2},
                         {"active_enrollments", 0}}));

  auto versions = svc.sequence_versions("Calls")["versions"];
  REQUIRE(versions.size() == 2);
  CHECK(versions[0]["number"] == 1);
  CHECK(versions[1]["number"] == 2);
  CHECK(versions[0]["id"] != versions[1]["id"]);

  auto calls = svc.get_sequence(std::to_string(id))["sequence"];
  CHECK(calls["name"] == "Calls");
  REQUIRE(calls["steps"].size() == 2);
  CHECK(calls["steps"][0]["type"] == "call");
  CHECK(calls["steps"][0]["note"] == "Ring {{first_name}}");
  CHECK(calls["steps"][1]["send_mode"] == "at_time");
  CHECK(calls["steps"][1]["at"] == "10:00");

  CHECK(api_error_of([&] { svc.get_sequence("No such sequence"); }).status == 404);
  CHECK(api_error_of([&] { svc.sequence_versions("42"); }).status == 404);
}

TEST_CASE("a sequence's steps carry their KPIs, counted from messages, events and tasks",
          "[store]") {
  DemoService demo;
  auto& svc = *demo.service;
  // Two of Anna's calls done, one skipped.
  auto tasks = svc.list_tasks(demo.anna, {}, demo.now())["tasks"];
  for (std::size_t i = 0; i < 3; ++i)
    svc.task_action(demo.anna, core::TaskId{tasks[i]["id"].get<std::int64_t>()},
                    i < 2 ? "complete" : "skip", Json::object(), demo.now());

  auto seq = svc.get_sequence("Outbound - all send options")["sequence"];
  REQUIRE(seq["steps"].size() == 7);
  const auto& first = seq["steps"][0];
  CHECK(first["position"] == 1);
  CHECK(first["type"] == "email");
  CHECK(first["send_mode"] == "choose_at_start");
  CHECK(first["subject"] == "{{company}} and faster follow-ups");
  CHECK(first["kpis"]["sent"] == 9);
  CHECK(first["kpis"]["opened"] == 0);
  CHECK(seq["steps"][1]["kpis"]["sent"] == 9);
  const auto& call = seq["steps"][2]["kpis"];
  CHECK(call["sent"] == 0);
  CHECK(call["tasks_open"] == 6);
  CHECK(call["tasks_completed"] == 2);
  CHECK(call["tasks_skipped"] == 1);
  CHECK(seq["settings"]["exit_on"] == Json::array({"reply", "bounce", "unsubscribe"}));
}
