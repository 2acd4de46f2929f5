// GET /api/v1/sync/salesforce through the service: the sync's state, never its token.
#include <catch2/catch.hpp>

#include "service_fixture.hpp"

using namespace touchpoint;
using namespace touchpoint::testing;
using bridge::Json;

TEST_CASE("the Salesforce sync status shows the last runs, the outbox and failures, no token",
          "[store]") {
  DemoService demo;
  auto& svc = *demo.service;
  auto before = svc.salesforce_status();
  CHECK(before["last_push"].is_null());
  CHECK(before["last_pull"].is_null());
  CHECK(before["last_error"].is_null());
  CHECK(before["outbox"] == Json{{"pending", 0}, {"done", 0}, {"failed", 0}});

  auto& repo = demo.store->salesforce();
  repo.set_state("token", R"({"access_token":"00Dsecret!AQ4AQ","instance_url":"x"})", demo.now());
  repo.set_state("last_push", R"({"at":"2026-03-12T12:00:00Z","confirmed":2,"failed":1})",
                 demo.now());
  repo.set_state("last_error", "REQUEST_LIMIT_EXCEEDED: daily budget spent", demo.now());
  repo.stage({{"tp-1", R"({"Subject":"Call"})", ""}, {"tp-2", R"({"Subject":"Email"})", ""}},
             demo.now());
  auto rows = repo.pending_after(0, 10, demo.now());
  REQUIRE(rows.size() == 2);
  repo.settle({{rows[0], touchpoint::store::OutboxResult::Kind::failed,
                "FIELD_CUSTOM_VALIDATION_EXCEPTION: Subject"}},
              demo.now());

  auto after = svc.salesforce_status();
  CHECK(after["last_push"]["confirmed"] == 2);
  CHECK(after["last_error"] == "REQUEST_LIMIT_EXCEEDED: daily budget spent");
  CHECK(after["outbox"]["pending"] == 1);
  CHECK(after["outbox"]["failed"] == 1);
  REQUIRE(after["failures"].size() == 1);
  CHECK(after["failures"][0]["external_id"] == rows[0].external_id);
  CHECK(after["failures"][0]["last_error"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION: Subject");
  CHECK(after.dump().find("00Dsecret") == std::string::npos);
}
