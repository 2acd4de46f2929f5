// The Salesforce sync against the fake Salesforce (tests/fakes/fake_salesforce.py) in a child
// process, with a real SQLite store filled by the real `touchpoint demo`.
#include <cstdlib>
#include <ctime>
#include <fstream>

#include <catch2/catch.hpp>

#include <touchpoint/salesforce/sync.hpp>

#include "fake_salesforce.hpp"
#include "python_json.hpp"
#include "shell.hpp"

namespace fs = std::filesystem;
using touchpoint::test::TempDir;
using touchpoint::testing::FakeSalesforce;
using touchpoint::testing::run_shell;
using touchpoint::testing::touchpoint_bin;
namespace sf = touchpoint::salesforce;
using nlohmann::json;

namespace {

touchpoint::core::Timestamp clock_now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

sf::Settings settings_for(const FakeSalesforce& fake) {
  ::setenv("TP_TEST_SF_SECRET", "fake-secret", 1);
  ::setenv("TP_TEST_SF_REFRESH", "fake-refresh", 1);
  sf::Settings s;
  s.login_url = fake.url();
  s.flow = sf::Flow::client_credentials;
  s.client_id = "3MVG9FAKE";
  s.client_secret_env = "TP_TEST_SF_SECRET";
  s.users = {{"rep.anna@touchpoint.test", "0055e000001AnnAAA"},
             {"rep.jisoo@touchpoint.test", "0055e000001JisAAA"},
             {"rep.sam@touchpoint.test", "0055e000001SamAAA"}};
  s.backoff_ms = 5;
  s.concurrency = 2;
  return s;
}

sf::Api api_for(const sf::Settings& s) { return sf::Api(s, *sf::load_secrets(s)); }

// A database with the demo loaded (reps, prospects, one tick: tasks and sent emails).
fs::path demo_db(const TempDir& dir) {
  auto db = dir.path() / "touchpoint.db";
  run_shell("cd '" + dir.path().string() + "' && " + touchpoint_bin() + " --db '" + db.string() +
            "' demo 2>&1");
  return db;
}

}  // namespace

TEST_CASE("after a 503, a 403 REQUEST_LIMIT_EXCEEDED, locked rows, a 401 mid-sync and a retry, "
          "every task is in Salesforce exactly once with its fields",
          "[net][salesforce]") {
  FakeSalesforce fake;
  TempDir dir;
  auto db = demo_db(dir);
  auto settings = settings_for(fake);
  settings.max_attempts = 3;
  settings.concurrency = 1;
  auto store = touchpoint::store::open_sqlite_store(db);

  // Close a call task with an outcome that carries the call's length.
  touchpoint::store::TaskFilter calls;
  calls.type = touchpoint::core::StepType::call;
  auto open_calls = store->tasks().list(calls);
  std::string closed_call;
  if (!open_calls.empty()) {
    closed_call = "tp-task-" + std::to_string(open_calls[0].id.value);
    run_shell(touchpoint_bin() + " --db '" + db.string() + "' task complete " +
        std::to_string(open_calls[0].id.value) + " --outcome 'connected 320s' 2>&1");
  }

  auto records = sf::task_records(*store, settings);
  REQUIRE(records.size() >= 3);

  // Salesforce down for the whole first run: nothing confirmed, everything still pending.
  fake.configure({{"faults", {{"1", "unavailable"}, {"2", "unavailable"}, {"3", "unavailable"}}}});
  {
    auto api = api_for(settings);
    auto first = sf::push(*store, api, clock_now());
    CHECK(first.confirmed == 0);
    CHECK_FALSE(first.stopped.empty());
    CHECK(first.pending == static_cast<long long>(records.size()));
    CHECK(fake.tasks()["tasks"].empty());
  }

  // The retry: a 503, then a 403 limit, then 3 locked rows; their retry meets an expired
  // session (401 INVALID_SESSION_ID), which is refreshed once and replayed.
  json locked = json::array();
  for (std::size_t i = 0; i < 3; ++i) locked.push_back(records[i].external_id);
  fake.configure({{"faults", {{"4", "unavailable"}, {"5", "request_limit"}, {"7", "invalid_session"}}},
                  {"lock_once", locked}});
  auto api = api_for(settings);
  auto second = sf::push(*store, api, clock_now());
  CHECK(second.stopped == "");
  CHECK(second.retried == 3);
  CHECK(second.failed == 0);
  CHECK(second.pending == 0);
  CHECK(second.confirmed == static_cast<long long>(records.size()));
  CHECK(api.counters().replays == 1);
  auto stats = fake.stats();
  CHECK(stats["faults_served"] ==
        json({"unavailable", "unavailable", "unavailable", "unavailable", "request_limit",
              "invalid_session"}));
  CHECK(stats["token_grants"]["client_credentials"] == 3);  // run 1, run 2, the refresh

  auto stored = fake.tasks();
  REQUIRE(stored["tasks"].size() == records.size());
  for (const auto& r : records) {
    INFO(r.external_id);
    REQUIRE(stored["tasks"].contains(r.external_id));
    CHECK(stored["writes"][r.external_id] == 1);  // exactly once
    auto task = stored["tasks"][r.external_id];
    task.erase("Id");
    CHECK(task == json::parse(r.payload));
    CHECK(task["Subject"].get<std::string>().size() <= 255 * 4);
    CHECK(task.contains("OwnerId"));
  }
  if (!closed_call.empty()) {
    auto call = stored["tasks"][closed_call];
    CHECK(call["Status"] == "Completed");
    CHECK(call["TaskSubtype"] == "Call");
    CHECK(call["CallType"] == "Outbound");
    CHECK(call["CallDisposition"] == "connected");
    CHECK(call["CallDurationInSeconds"] == 320);
  }
  bool any_email = false;
  for (const auto& [id, task] : stored["tasks"].items())
    if (id.rfind("tp-email-", 0) == 0) {
      any_email = true;
      CHECK(task["Status"] == "Completed");
      CHECK(task["TaskSubtype"] == "Email");
    }
  CHECK(any_email);

  // Nothing changed: a third run sends nothing.
  auto calls_before = fake.stats()["calls"].get<int>();
  auto third = sf::push(*store, api, clock_now());
  CHECK(third.staged == 0);
  CHECK(third.sent == 0);
  CHECK(fake.stats()["calls"].get<int>() == calls_before);
}

TEST_CASE("an upsert call never carries more than 200 records; 201 are refused as documented",
          "[net][salesforce]") {
  FakeSalesforce fake;
  TempDir dir;
  auto store = touchpoint::store::open_sqlite_store(dir.path() / "t.db");
  auto settings = settings_for(fake);
  std::vector<touchpoint::store::OutboxRecord> records;
  for (int i = 0; i < 450; ++i)
    records.push_back({"tp-bench-" + std::to_string(i),
                       json{{"Touchpoint_Id__c", "tp-bench-" + std::to_string(i)},
                            {"Subject", "Call " + std::to_string(i)},
                            {"Status", "Not Started"}}
                           .dump(),
                       ""});
  store->salesforce().stage(records, clock_now());
  auto api = api_for(settings);
  auto s = sf::drain(*store, api, clock_now());
  CHECK(s.confirmed == 450);
  CHECK(s.calls == 3);
  CHECK(fake.stats()["max_batch"] == 200);
  CHECK(fake.tasks()["tasks"].size() == 450);

  std::string body = R"({"allOrNone":false,"records":[)";
  for (int i = 0; i < 201; ++i)
    body += std::string(i ? "," : "") + R"({"attributes":{"type":"Task"},"Touchpoint_Id__c":"x)" +
            std::to_string(i) + "\"}";
  body += "]}";
  try {
    api.call("PATCH", api.data_path() + "/composite/sobjects/Task/Touchpoint_Id__c", body);
    FAIL("201 records were accepted");
  } catch (const sf::ApiError& e) {
    CHECK(e.code == "EXCEEDED_ID_LIMIT");
    CHECK(e.cls == sf::FailureClass::permanent);
  }
}

TEST_CASE("tokens come from the refresh token, JWT bearer and client credentials flows",
          "[net][salesforce]") {
  TempDir dir;
  auto key = dir.path() / "key.pem";
  auto pub = dir.path() / "pub.pem";
  run_shell("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out '" + key.string() +
      "' 2>&1 && openssl pkey -in '" + key.string() + "' -pubout -out '" + pub.string() + "' 2>&1");
  FakeSalesforce fake({"--jwt-public-key", pub.string()});

  auto refresh = settings_for(fake);
  refresh.flow = sf::Flow::refresh_token;
  refresh.refresh_token_env = "TP_TEST_SF_REFRESH";  // with the client secret, as a web app
  CHECK_FALSE(api_for(refresh).refresh().access_token.empty());

  auto jwt = settings_for(fake);
  jwt.flow = sf::Flow::jwt_bearer;
  jwt.client_secret_env = "";
  jwt.username = "integration@touchpoint.test";
  jwt.private_key_file = key.string();
  CHECK_FALSE(api_for(jwt).refresh().access_token.empty());

  auto credentials = settings_for(fake);
  CHECK_FALSE(api_for(credentials).refresh().access_token.empty());

  auto grants = fake.stats()["token_grants"];
  CHECK(grants["refresh_token"] == 1);
  CHECK(grants["urn:ietf:params:oauth:grant-type:jwt-bearer"] == 1);
  CHECK(grants["client_credentials"] == 1);

  // A key the fake does not trust is refused (the signature is checked).
  auto other = dir.path() / "other.pem";
  run_shell("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out '" + other.string() +
      "' 2>&1");
  jwt.private_key_file = other.string();
  CHECK_THROWS_AS(api_for(jwt).refresh(), sf::ApiError);

  // A wrong refresh token is an auth failure.
  ::setenv("TP_TEST_SF_REFRESH", "wrong", 1);
  try {
    api_for(refresh).refresh();
    FAIL("a wrong refresh token was accepted");
  } catch (const sf::ApiError& e) {
    CHECK(e.cls == sf::FailureClass::auth);
  }

  // A policy 401 is not an expired session: no refresh, no replay.
  auto api = api_for(credentials);
  api.refresh();
  auto before = fake.stats()["token_grants"]["client_credentials"].get<int>();
  auto next_call = fake.stats()["calls"].get<int>() + 1;
  fake.configure({{"faults", {{std::to_string(next_call), "policy_401"}}}});
  CHECK_THROWS_AS(api.call("GET", api.data_path() + "/sobjects/Lead/deleted/?start=2026-01-01T00:00:00Z&end=2026-01-02T00:00:00Z"),
                  sf::ApiError);
  CHECK(fake.stats()["token_grants"]["client_credentials"] == before);
  CHECK(api.counters().replays == 0);
}

TEST_CASE("a pull follows nextRecordsUrl, updates a changed prospect and unlinks a deleted one",
          "[net][salesforce]") {
  FakeSalesforce fake({"--batch-size", "2"});
  TempDir dir;
  auto db = demo_db(dir);
  auto store = touchpoint::store::open_sqlite_store(db);
  auto settings = settings_for(fake);
  auto leads = fake.post("/admin/records",
                         {{"type", "Lead"},
                          {"records",
                           {{{"Email", "lena@nordvik.test"}, {"FirstName", "Lena"}, {"LastName", "Ek"},
                             {"Company", "Nordvik"}, {"Title", "CTO"}, {"Phone", "+46 8 1"},
                             {"OwnerId", "0055e000001AnnAAA"}},
                            {{"Email", "minjun@hanbit.test"}, {"FirstName", "민준"}, {"LastName", "김"},
                             {"Company", "Hanbit"}, {"OwnerId", "0055e000001JisAAA"}},
                            {{"Email", "ola@fjord.test"}, {"FirstName", "Ola"}, {"LastName", "Nord"},
                             {"Company", "Fjord"}},
                            {{"Email", "kim@west.test"}, {"FirstName", "Kim"}, {"LastName", "West"},
                             {"Company", "West"}},
                            {{"FirstName", "No"}, {"LastName", "Email"}, {"Company", "X"}}}}})["ids"];
  fake.post("/admin/records",
            {{"type", "Contact"},
             {"records",
              {{{"Email", "sam.c@acme.test"}, {"FirstName", "Sam"}, {"LastName", "C"},
                {"Account.Name", "Acme"}, {"OwnerId", "0055e000001SamAAA"}}}}});
  auto api = api_for(settings);
  auto first = sf::pull(*store, api, clock_now() + std::chrono::seconds(5));
  CHECK(first.inserted == 5);
  CHECK(first.skipped == 1);
  CHECK(first.pages >= 4);  // 5 leads in pages of 2, and the contact
  auto lena = store->prospects().find("lena@nordvik.test");
  REQUIRE(lena);
  CHECK(lena->salesforce_id == leads[0].get<std::string>());
  CHECK(lena->title == "CTO");
  CHECK(lena->company == "Nordvik");
  CHECK(lena->owner_email == "rep.anna@touchpoint.test");
  auto sam = store->prospects().find("sam.c@acme.test");
  REQUIRE(sam);
  CHECK(sam->company == "Acme");
  CHECK(sam->owner_email == "rep.sam@touchpoint.test");

  // An update and a deletion in Salesforce.
  fake.post("/admin/records",
            {{"type", "Lead"}, {"records", {{{"Id", leads[0]}, {"Title", "CEO"}}}}});
  fake.post("/admin/delete", {{"type", "Lead"}, {"id", leads[2]}});
  auto second = sf::pull(*store, api, clock_now() + std::chrono::seconds(5));
  CHECK(second.updated == 1);
  CHECK(second.deleted == 1);
  CHECK(second.inserted == 0);
  CHECK(store->prospects().find("lena@nordvik.test")->title == "CEO");
  auto ola = store->prospects().find("ola@fjord.test");
  REQUIRE(ola);
  CHECK(ola->salesforce_id.empty());
}

TEST_CASE("sync salesforce --dry-run prints the diff and sends nothing", "[net][salesforce]") {
  FakeSalesforce fake;
  TempDir dir;
  auto db = demo_db(dir);
  settings_for(fake);  // sets the secret's variable
  auto config = dir.path() / "touchpoint.json";
  std::ofstream(config) << json{{"salesforce",
                                 {{"login_url", fake.url()},
                                  {"flow", "client_credentials"},
                                  {"client_id", "3MVG9FAKE"},
                                  {"client_secret_env", "TP_TEST_SF_SECRET"},
                                  {"users", {{"rep.anna@touchpoint.test", "0055e000001AnnAAA"}}}}}}
                               .dump();
  auto cmd = touchpoint_bin() + " --db '" + db.string() + "' --config '" + config.string() +
             "' sync salesforce --push --dry-run";
  auto out = json::parse(run_shell(cmd + " --json"));
  CHECK(out["dry_run"] == true);
  CHECK(out["push"]["would_send"].get<int>() > 0);
  CHECK(out["push"]["records"][0]["action"] == "create");
  auto text = run_shell(cmd);
  CHECK(text.find("would be sent") != std::string::npos);
  CHECK(text.find("fake-secret") == std::string::npos);
  auto stats = fake.stats();
  CHECK(stats["calls"] == 0);
  CHECK(stats["token_grants"].empty());
  CHECK(fake.tasks()["tasks"].empty());

  // The real push then sends exactly what the dry run listed.
  auto pushed = json::parse(run_shell(touchpoint_bin() + " --db '" + db.string() + "' --config '" +
                                config.string() + "' sync salesforce --push --json"));
  CHECK(pushed["push"]["confirmed"] == out["push"]["would_send"]);
  CHECK(fake.tasks()["tasks"].size() == out["push"]["would_send"].get<std::size_t>());
}

namespace {

// A demo database a week on: the sequence's call and manual steps are open tasks.
fs::path demo_db_with_tasks(const TempDir& dir) {
  auto db = demo_db(dir);
  auto later = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() +
                                                    std::chrono::hours(24 * 8));
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&later));
  run_shell(touchpoint_bin() + " --db '" + db.string() + "' tick --now " + when + " 2>&1");
  return db;
}

std::string open_task_id(touchpoint::store::Store& store, std::size_t index) {
  auto open = store.tasks().list({});
  REQUIRE(open.size() > index);
  return std::to_string(open[index].id.value);
}

}  // namespace

TEST_CASE("a task change writes its outbox row in its own commit: nothing is lost while "
          "Salesforce is down or the sync dies, nothing is duplicated on retry",
          "[net][salesforce]") {
  FakeSalesforce fake;
  TempDir dir;
  auto db = demo_db_with_tasks(dir);
  auto settings = settings_for(fake);
  settings.max_attempts = 2;
  settings.concurrency = 1;
  auto store = touchpoint::store::open_sqlite_store(db);
  auto cli = touchpoint_bin() + " --db '" + db.string() + "' ";

  // Capture is off until the first push (no Salesforce configured): a change marks nothing.
  auto a = open_task_id(*store, 0);
  run_shell(cli + "task complete " + a + " 2>&1");
  CHECK(store->salesforce().marked(100).empty());
  CHECK(store->salesforce().counts().pending == 0);

  // The first push compares every record and switches capture on.
  {
    auto api = api_for(settings);
    auto first = sf::push(*store, api, clock_now());
    CHECK(first.stopped == "");
    CHECK(first.pending == 0);
    CHECK(first.confirmed == first.staged);
  }
  const auto total = fake.tasks()["tasks"].size();
  REQUIRE(total > 0);
  CHECK(fake.tasks()["tasks"]["tp-task-" + a]["Status"] == "Completed");

  // Another process completes a task and exits: no sync code ran, yet the outbox row is there,
  // committed with the change.
  auto b = open_task_id(*store, 0);
  const std::string b_id = "tp-task-" + b;
  run_shell(cli + "task complete " + b + " --notes 'spoke to the assistant' 2>&1");
  auto marks = store->salesforce().marked(100);
  REQUIRE(marks.size() == 1);
  CHECK(marks[0].external_id == b_id);

  // Salesforce is down for the next push: the record is staged, sent, refused; it stays.
  auto calls = fake.stats()["calls"].get<int>();
  fake.configure({{"faults",
                   {{std::to_string(calls + 1), "unavailable"},
                    {std::to_string(calls + 2), "unavailable"}}}});
  {
    auto api = api_for(settings);
    auto down = sf::push(*store, api, clock_now());
    CHECK(down.staged == 1);
    CHECK(down.confirmed == 0);
    CHECK_FALSE(down.stopped.empty());
    CHECK(down.pending == 1);
  }
  CHECK(fake.tasks()["tasks"][b_id]["Status"] == "Not Started");
  CHECK(store->salesforce().marked(100).empty());  // staged: the payload is built

  // A change read by a sync that then dies keeps its mark: a newer change bumps it, and the
  // dead sync's clear (of the older generation) leaves it.
  auto c = open_task_id(*store, 0);
  run_shell(cli + "task reassign " + c + " --owner rep.jisoo@touchpoint.test 2>&1");
  auto seen = store->salesforce().marked(100);
  REQUIRE(seen.size() == 1);
  run_shell(cli + "task complete " + c + " 2>&1");
  auto record = sf::record_of(*store, settings, seen[0].external_id);
  REQUIRE(record);
  store->salesforce().stage_marked({*record}, seen, clock_now());
  auto still = store->salesforce().marked(100);
  REQUIRE(still.size() == 1);
  CHECK(still[0].generation > seen[0].generation);

  // A new process retries: both changes arrive, each record once, nothing duplicated.
  store.reset();
  store = touchpoint::store::open_sqlite_store(db);
  {
    auto api = api_for(settings);
    auto up = sf::push(*store, api, clock_now());
    CHECK(up.stopped == "");
    CHECK(up.pending == 0);
    CHECK(up.confirmed == 2);
  }
  auto stored = fake.tasks();
  CHECK(stored["tasks"].size() == total);
  CHECK(stored["tasks"][b_id]["Status"] == "Completed");
  CHECK(stored["tasks"][b_id]["Description"].get<std::string>().find("spoke to the assistant") !=
        std::string::npos);
  CHECK(stored["writes"][b_id] == 2);  // created by the first push, updated once
  CHECK(stored["tasks"]["tp-task-" + c]["Status"] == "Completed");
  CHECK(stored["tasks"]["tp-task-" + c]["OwnerId"] == "0055e000001JisAAA");

  // Nothing changed since: nothing is sent.
  auto api = api_for(settings);
  auto again = sf::push(*store, api, clock_now());
  CHECK(again.staged == 0);
  CHECK(again.sent == 0);
}
