// Enrollments through the service: from prospect ids, from a CSV upload, and their actions.
#include <catch2/catch.hpp>

#include "service_fixture.hpp"

using namespace touchpoint;
using namespace touchpoint::testing;
using bridge::Json;

namespace {

constexpr const char* kCalls = R"({"name": "Calls", "steps": [
  {"day": 1, "type": "call", "note": "Call {{first_name}}"},
  {"day": 2, "type": "call", "note": "Call {{first_name}} again"}]})";

std::int64_t prospect_id(DemoService& demo, const char* email) {
  return demo.store->prospects().find(email)->id.value;
}

}  // namespace

TEST_CASE("prospects are enrolled by id; those already active are listed, not enrolled twice",
          "[store]") {
  DemoService demo;
  auto& svc = *demo.service;
  svc.apply_sequence(kCalls, demo.now());
  auto asa = prospect_id(demo, "asa.lindstrom@nordvik.se");
  auto minjun = prospect_id(demo, "minjun.kim@hanbit.co.kr");

  auto r = svc.enroll(demo.jisoo, Json{{"sequence", "Calls"}, {"prospect_ids", {asa, minjun}}},
                      demo.now());
  CHECK(r["enrolled"] == 2);
  CHECK(r["already_active"].empty());
  CHECK(r["excluded"].empty());
  // Owned by the rep who enrolled them (no owner given), starting now.
  store::EnrollmentFilter filter;
  filter.sequence = core::SequenceId{2};
  auto enrollments = demo.store->enrollments().list(filter);
  REQUIRE(enrollments.size() == 2);
  for (const auto& e : enrollments) {
    CHECK(e.owner == demo.jisoo.id);
    CHECK(e.start == demo.now());
  }

  auto again = svc.enroll(demo.jisoo,
                          Json{{"sequence", 2},
                               {"prospect_ids", Json::array({asa})},
                               {"owner", "rep.anna@touchpoint.test"},
                               {"start", "2026-03-16T08:00:00Z"}},
                          demo.now());
  CHECK(again["enrolled"] == 0);
  CHECK(again["already_active"] == Json::array({asa}));

  // Bad bodies name their field; unknown things are not found.
  struct Case {
    Json body;
    int status;
    const char* field;
  };
  for (const auto& c : std::vector<Case>{
           {Json{{"prospect_ids", Json::array({asa})}}, 400, "sequence"},
           {Json{{"sequence", true}, {"prospect_ids", Json::array({asa})}}, 400, "sequence"},
           {Json{{"sequence", "Calls"}}, 400, "prospect_ids"},
           {Json{{"sequence", "Calls"}, {"prospect_ids", Json::array()}}, 400, "prospect_ids"},
           {Json{{"sequence", "Calls"}, {"prospect_ids", {asa, "two"}}}, 400, "prospect_ids[1]"},
           {Json{{"sequence", "Calls"}, {"prospect_ids", Json::array({asa})}, {"start", "soon"}},
            400, "start"},
           {Json{
                {"sequence", "Calls"}, {"prospect_ids", Json::array({asa})}, {"owner", "x@y.test"}},
            400, "owner"},
           {Json{{"sequence", "Nope"}, {"prospect_ids", Json::array({asa})}}, 404, "sequence"},
           {Json{{"sequence", "Calls"}, {"prospect_ids", {asa, 9999}}}, 404, "prospect_ids"}}) {
    auto e = api_error_of([&] { svc.enroll(demo.jisoo, c.body, demo.now()); });
    INFO(c.body.dump() << ": " << e.what());
    CHECK(e.status == c.status);
    CHECK(e.details["field"] == c.field);
  }
}

TEST_CASE("a CSV upload imports and enrolls; a bad row is reported by its line", "[store]") {
  DemoService demo;
  auto& svc = *demo.service;
  svc.apply_sequence(kCalls, demo.now());
  const std::string csv =
      "email,first_name,last_name,company,timezone,owner\n"
      "asa.lindstrom@nordvik.se,Åsa,Lindström,Nordvik "
      "AB,Europe/Stockholm,rep.anna@touchpoint.test\n"
      "not-an-address,Broken,Row,Nowhere,,\n"
      "sven@fjord.example,Sven,Berg,Fjord AS,Europe/Oslo,\n"
      "\"ingrid@fjord.example\",Ingrid,Dahl,\"Fjord AS, "
      "Bergen\",Europe/Oslo,nobody@touchpoint.test\n";
  auto r = svc.enroll_csv(demo.jisoo, {{"sequence", "Calls"}}, csv, demo.now());
  CHECK(r["imported"] == 1);  // Sven; Åsa was already there
  CHECK(r["updated"] == 1);
  CHECK(r["enrolled"] == 2);
  REQUIRE(r["errors"].size() == 2);
  CHECK(r["errors"][0]["line"] == 3);
  CHECK(r["errors"][1]["line"] == 5);
  CHECK_THAT(r["errors"][1]["message"].get<std::string>(), Catch::Contains("nobody@"));

  // Åsa keeps her owner; Sven, with none, goes to the rep who uploaded him.
  auto owner_in_calls = [&](const char* email) {
    store::EnrollmentFilter filter;
    filter.prospect = core::ProspectId{prospect_id(demo, email)};
    filter.sequence = core::SequenceId{2};
    return demo.store->enrollments().list(filter).at(0).owner;
  };
  CHECK(owner_in_calls("asa.lindstrom@nordvik.se") == demo.anna.id);
  CHECK(owner_in_calls("sven@fjord.example") == demo.jisoo.id);

  // The same upload again enrolls nobody new.
  auto again = svc.enroll_csv(demo.jisoo, {{"sequence", "Calls"}}, csv, demo.now());
  CHECK(again["enrolled"] == 0);
  CHECK(again["already_active"].size() == 2);

  // A file that cannot be read at all, and missing or unknown parameters.
  auto unreadable = api_error_of([&] {
    svc.enroll_csv(demo.jisoo, {{"sequence", "Calls"}}, "first_name\nNo Email\n", demo.now());
  });
  CHECK(unreadable.status == 422);
  CHECK(api_error_of([&] { svc.enroll_csv(demo.jisoo, {}, csv, demo.now()); }).details["field"] ==
        "sequence");
  CHECK(
      api_error_of([&] {
        svc.enroll_csv(demo.jisoo, {{"sequence", "Calls"}, {"owner", "x@y.test"}}, csv, demo.now());
      }).details["field"] == "owner");
}

TEST_CASE("an enrollment pauses, resumes and exits; a finished one refuses", "[store]") {
  DemoService demo;
  auto& svc = *demo.service;
  store::EnrollmentFilter filter;
  filter.prospect = core::ProspectId{prospect_id(demo, "daan.dejong@polderbank.nl")};
  auto id = demo.store->enrollments().list(filter).at(0).id;

  auto paused =
      svc.enrollment_action(id, "pause", Json{{"until", "2026-03-20T08:00:00Z"}}, demo.now());
  CHECK(paused["enrollment"]["state"] == "paused");
  CHECK(paused["enrollment"]["paused_until"] == "2026-03-20T08:00:00Z");
  CHECK(paused["enrollment"]["prospect"]["name"] == "Daan de Jong");
  CHECK(paused["enrollment"]["sequence"]["name"] == "Outbound - all send options");
  CHECK(svc.enrollment_action(id, "resume", nullptr, demo.now())["enrollment"]["state"] ==
        "active");
  auto exited = svc.enrollment_action(id, "exit", Json::object(), demo.now());
  CHECK(exited["enrollment"]["state"] == "exited");
  CHECK(exited["enrollment"]["exit_cause"] == "manual");

  CHECK(api_error_of([&] { svc.enrollment_action(id, "pause", nullptr, demo.now()); }).status ==
        409);
  CHECK(api_error_of([&] {
          svc.enrollment_action(id, "exit", Json{{"cause", "boredom"}}, demo.now());
        }).details["field"] == "cause");
  CHECK(api_error_of([&] { svc.enrollment_action(id, "restart", nullptr, demo.now()); }).status ==
        404);
  CHECK(api_error_of([&] {
          svc.enrollment_action(core::EnrollmentId{9999}, "resume", nullptr, demo.now());
        }).status == 404);
}
