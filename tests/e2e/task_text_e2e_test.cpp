// A task's title, note and due date as the rep reads them: the claim stores none of them, so
// they come from the step, the prospect and the owner when the task is read.
#include <catch2/catch.hpp>

#include <fstream>

#include <touchpoint/store/store.hpp>

#include "cli_fixture.hpp"

using touchpoint::testing::CliFixture;
using touchpoint::testing::fixture;
namespace ts = touchpoint::store;
namespace tc = touchpoint::core;

namespace {

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

// The sample reps and prospects, and a sequence that opens a call first.
void setup(const CliFixture& cli) {
  cli.add_sample_reps();
  cli.ok({"prospects", "import", fixture("prospects.csv")});
  write(cli.dir() / "seq.json",
        R"({"name": "Calls", "timezone": "prospect", "window": {"from": "08:00", "to": "18:00"},
    "steps": [{"day": 1, "type": "call",
               "note": "Call {{first_name}} at {{company}} ({{industry}}) for {{sender.first_name}}"},
              {"day": 2, "type": "linkedin", "note": "Connect with {{first_name}} about {{favourite_color}}"}]})");
  write(cli.dir() / "fields.csv", "email,favourite_color\nnobody@example.com,\n");
  cli.ok({"prospects", "import", (cli.dir() / "fields.csv").string()});
  cli.ok({"sequence", "apply", (cli.dir() / "seq.json").string()});
  cli.ok({"enroll", "--sequence", "Calls", "--prospects", "all", "--owner",
          "rep.anna@touchpoint.test", "--start", "2026-03-02T07:00:00Z"});
}

const tc::Task& task_of(const std::vector<tc::Task>& tasks, const std::string& email) {
  for (const auto& t : tasks)
    if (t.prospect_email == email) return t;
  FAIL("no task for " << email);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("an opened task reads personalized: title, note and due date", "[e2e]") {
  CliFixture cli;
  setup(cli);
  cli.ok({"tick", "--now", "2026-03-02T16:00:00Z"});  // 08:00 in Los Angeles: every call is due

  auto store = ts::open_sqlite_store(cli.db());
  const auto tasks = store->tasks().list({});
  REQUIRE_FALSE(tasks.empty());
  const auto& asa = task_of(tasks, "asa.lindstrom@nordvik.se");
  CHECK(asa.title == "Call Åsa Lindström");
  CHECK(asa.note == "Call Åsa at Nordvik AB (Logistics) for Anna");
  CHECK(tc::format_date(date::year_month_day{asa.due_date}) == "2026-03-02");
  CHECK(asa.owner_email == "rep.anna@touchpoint.test");
  // Korean names are written family name first.
  CHECK(task_of(tasks, "minjun.kim@hanbit.co.kr").title == "Call 김민준");
  // get() reads the same task the same way.
  auto one = store->tasks().get(asa.id);
  REQUIRE(one.has_value());
  CHECK(one->note == asa.note);
  CHECK(one->title == asa.title);
}

TEST_CASE("a task's note keeps its raw text when a field it names is empty", "[e2e]") {
  CliFixture cli;
  setup(cli);
  cli.ok({"tick", "--now", "2026-03-02T16:00:00Z"});
  auto store = ts::open_sqlite_store(cli.db());
  auto tasks = store->tasks().list({});
  // Close every call, so the LinkedIn steps open on Tuesday.
  for (const auto& t : tasks)
    cli.ok({"task", "complete", std::to_string(t.id.value), "--now", "2026-03-02T17:00:00Z"});
  cli.ok({"tick", "--now", "2026-03-03T16:00:00Z"});
  ts::TaskFilter linkedin;
  linkedin.type = tc::StepType::linkedin;
  tasks = store->tasks().list(linkedin);
  REQUIRE_FALSE(tasks.empty());
  for (const auto& t : tasks)
    CHECK(t.note == "Connect with {{first_name}} about {{favourite_color}}");
}

TEST_CASE("a reassigned task moves to its new owner, the rest of the queue stays", "[e2e]") {
  CliFixture cli;
  setup(cli);
  cli.ok({"tick", "--now", "2026-03-02T16:00:00Z"});
  auto store = ts::open_sqlite_store(cli.db());
  const auto tasks = store->tasks().list({});
  REQUIRE(tasks.size() >= 2);
  auto sam = store->users().find("rep.sam@touchpoint.test");
  REQUIRE(sam.has_value());
  auto moved = store->tasks().reassign(tasks.front().id, sam->id,
                                       *tc::parse_instant("2026-03-02T17:00:00Z"));
  REQUIRE(moved.has_value());
  CHECK(moved->owner_email == "rep.sam@touchpoint.test");
  ts::TaskFilter of_sam;
  of_sam.owner = sam->id;
  const auto sams = store->tasks().list(of_sam);
  REQUIRE(sams.size() == 1);
  CHECK(sams.front().id == tasks.front().id);
  ts::TaskFilter of_anna;
  of_anna.owner = store->users().find("rep.anna@touchpoint.test")->id;
  CHECK(store->tasks().list(of_anna).size() == tasks.size() - 1);
}
