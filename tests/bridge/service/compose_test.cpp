// GET /api/v1/tasks/{id}/compose through the service: a manual email task opened in Gmail.
#include <catch2/catch.hpp>

#include "service_fixture.hpp"

using namespace touchpoint;
using namespace touchpoint::testing;
using bridge::Json;
using bridge::Query;

TEST_CASE("a manual email task opens as a Gmail compose link; other tasks and clients are refused",
          "[store]") {
  DemoService demo;
  auto& svc = *demo.service;
  auto calls = svc.list_tasks(demo.anna, {{"type", "call"}}, demo.now())["tasks"];
  REQUIRE_FALSE(calls.empty());
  core::TaskId call{calls[0]["id"].get<std::int64_t>()};
  auto prospect = calls[0]["prospect"]["email"].get<std::string>();

  CHECK(api_error_of([&] { svc.compose(call, {{"client", "gmail"}}, demo.now()); }).status == 400);
  auto unknown = api_error_of([&] { svc.compose(call, {{"client", "pigeon"}}, demo.now()); });
  CHECK(unknown.status == 400);
  CHECK_THAT(unknown.what(), Catch::StartsWith("client:"));
  CHECK(api_error_of([&] { svc.compose(core::TaskId{999999}, {{"client", "gmail"}}, demo.now()); })
            .status == 404);

  // Closing the call lets the prospect's later steps run, up to the day-8 manual email.
  svc.task_action(demo.anna, call, "complete", Json{{"outcome", "connected"}}, demo.now());
  demo.cli.ok({"--config", demo.config_path, "tick", "--now", "2026-03-25T12:00:00Z"});
  auto emails = svc.list_tasks(demo.anna, {{"type", "email"}}, at("2026-03-25T12:00:00Z"))["tasks"];
  const Json* manual = nullptr;
  for (const auto& t : emails)
    if (t["prospect"]["email"] == prospect) manual = &t;
  REQUIRE(manual != nullptr);

  auto gmail = svc.compose(core::TaskId{(*manual)["id"].get<std::int64_t>()},
                           {{"client", "gmail"}}, demo.now());
  CHECK(gmail["client"] == "gmail");
  auto url = gmail["url"].get<std::string>();
  CHECK_THAT(url, Catch::StartsWith("https://mail.google.com/mail/?"));
  CHECK_THAT(url, Catch::Contains("authuser=rep.anna%40touchpoint.test") ||
                      Catch::Contains("authuser=rep.anna@touchpoint.test"));
  CHECK_THAT(url, Catch::Contains(prospect.substr(0, prospect.find('@'))));
  CHECK(gmail["gmail_draft"].is_object());
  CHECK(gmail["too_long"] == false);
}
