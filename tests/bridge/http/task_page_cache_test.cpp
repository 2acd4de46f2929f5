// The task queue's pages are kept per worker; these tests make sure a kept page is never
// answered after the database changed, whichever connection changed it.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <nlohmann/json.hpp>

#include "bridge_fixture.hpp"

using namespace touchpoint::testing;
using json = nlohmann::json;

namespace {

const std::string kPage = "/api/v1/tasks?owner=me&limit=100";

json page(BridgeFixture& f, const std::string& token) {
  auto res = f.client().get(kPage, bearer(token));
  REQUIRE(res.result_int() == 200);
  return json::parse(res.body());
}

bool lists(const json& page, std::int64_t id) {
  for (const auto& t : page["tasks"])
    if (t["id"].get<std::int64_t>() == id) return true;
  return false;
}

}  // namespace

TEST_CASE("A task page is not answered from before another connection's write", "[net]") {
  BridgeFixture f;
  auto token = f.token(kAnna);
  auto before = page(f, token);
  REQUIRE(before["tasks"].size() >= 2);
  REQUIRE(page(f, token) == before);  // unchanged database: the same page

  // Another connection (the engine's, say) closes the open tasks one by one; each page asked
  // for right after the write (within the same second, mostly) must already miss the task.
  SQLite::Database other(f.db().string(), SQLite::OPEN_READWRITE);
  other.setBusyTimeout(5000);
  auto remaining = before["total"].get<std::int64_t>();
  for (const auto& task : before["tasks"]) {
    auto id = task["id"].get<std::int64_t>();
    page(f, token);  // warm every worker's copy
    page(f, token);
    SQLite::Statement skip(other, "UPDATE step_runs SET state = 'skipped' WHERE id = ?");
    skip.bind(1, id);
    REQUIRE(skip.exec() == 1);
    auto after = page(f, token);
    CHECK_FALSE(lists(after, id));
    CHECK(after["total"].get<std::int64_t>() == --remaining);
  }
}

TEST_CASE("A task page is not answered from before the worker's own write", "[net]") {
  // One worker: the skip goes through the same connection that answers the pages.
  BridgeFixture f([](touchpoint::bridge::ServerOptions& o) { o.threads = 1; });
  auto token = f.token(kAnna);
  auto before = page(f, token);
  REQUIRE(before["tasks"].size() >= 2);
  for (const auto& task : before["tasks"]) {
    auto id = task["id"].get<std::int64_t>();
    page(f, token);
    auto res = f.client().post("/api/v1/tasks/" + std::to_string(id) + "/skip", "{}",
                               bearer(token));
    REQUIRE(res.result_int() == 200);
    CHECK_FALSE(lists(page(f, token), id));
  }
}
