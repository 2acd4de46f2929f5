// The Salesforce sync's schedule inside `touchpoint serve`: the real binary against the fake
// Salesforce; a task completed through the API reaches Salesforce without `sync salesforce`,
// an error shows in the log and in GET /api/v1/sync/salesforce, SIGTERM stops it all.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>

#include <touchpoint/http/client.hpp>
#include <touchpoint/store/store.hpp>

#include "fake_salesforce.hpp"
#include "python_json.hpp"
#include "shell.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using touchpoint::test::TempDir;
using touchpoint::testing::FakeSalesforce;
using touchpoint::testing::run_shell;
using touchpoint::testing::touchpoint_bin;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Waits (at most a minute: a bound for a stuck test, not a timing assertion) until `done`.
template <typename F>
bool eventually(F done) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

// `touchpoint serve` in a child process, its output in files; SIGTERM on destruction.
struct Serve {
  pid_t pid = -1;
  fs::path out, err;
  std::string url;
  Serve(const TempDir& dir, const std::string& args)
      : out(dir.path() / "serve.out"), err(dir.path() / "serve.err") {
    std::string command = "exec " + touchpoint_bin() + " " + args + " >'" + out.string() + "' 2>'" +
                          err.string() + "'";
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    const std::string marker = "serving on ";
    REQUIRE(eventually([&] { return slurp(out).find(marker) != std::string::npos; }));
    auto text = slurp(out);
    auto at = text.find(marker) + marker.size();
    url = text.substr(at, text.find(' ', at) - at);
  }
  int stop() {
    int status = -1;
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, &status, 0);
      pid = -1;
    }
    return status;
  }
  ~Serve() { stop(); }
};

json api(const std::string& method, const std::string& url, const std::string& token,
         const std::string& body = "") {
  touchpoint::http::Client client;
  touchpoint::http::Request request{
      method, url, {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}},
      body};
  auto response = client.request(request);
  INFO(method << " " << url << " -> " << response.status << " " << response.body);
  REQUIRE(response.status / 100 == 2);
  return json::parse(response.body);
}

}  // namespace

TEST_CASE("serve pushes on its interval: a task completed through the API reaches Salesforce, "
          "errors show in the log and the API, SIGTERM stops the sync",
          "[net][salesforce]") {
  FakeSalesforce fake;
  TempDir dir;
  auto db = dir.path() / "touchpoint.db";
  auto cli = touchpoint_bin() + " --db '" + db.string() + "'";
  run_shell("cd '" + dir.path().string() + "' && " + cli + " demo 2>&1");
  // A week on, the sequence's call and manual steps are open tasks.
  auto later = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() +
                                                    std::chrono::hours(24 * 8));
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&later));
  run_shell(touchpoint_bin() + " --db '" + db.string() + "' tick --now " + when + " 2>&1");
  auto token_text = run_shell(cli + " token create --user rep.anna@touchpoint.test");
  auto token = token_text.substr(token_text.find_last_of('\n', token_text.size() - 2) + 1);
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();

  ::setenv("TP_SERVE_SF_SECRET", "fake-secret", 1);
  auto config = dir.path() / "touchpoint.json";
  std::ofstream(config) << json{{"salesforce",
                                 {{"login_url", fake.url()},
                                  {"flow", "client_credentials"},
                                  {"client_id", "3MVG9FAKE"},
                                  {"client_secret_env", "TP_SERVE_SF_SECRET"},
                                  {"backoff_ms", 10},
                                  {"max_attempts", 2},
                                  {"sync_interval_seconds", 1},
                                  {"users", {{"rep.anna@touchpoint.test", "0055e000001AnnAAA"}}}}}}
                               .dump();
  Serve serve(dir, "--db '" + db.string() + "' --config '" + config.string() +
                       "' serve --listen 127.0.0.1:0 --no-engine");

  // The first scheduled push sends every task.
  REQUIRE(eventually([&] { return !fake.tasks()["tasks"].empty(); }));

  // A rep completes a task through the API; no `sync salesforce` runs.
  auto tasks = api("GET", serve.url + "/api/v1/tasks?owner=rep.anna@touchpoint.test&state=open",
                   token);
  REQUIRE_FALSE(tasks["tasks"].empty());
  const auto& id_value = tasks["tasks"][0]["id"];
  auto id = id_value.is_string() ? id_value.get<std::string>()
                                 : std::to_string(id_value.get<long long>());
  auto ext = "tp-task-" + id;
  CHECK(fake.tasks()["tasks"][ext]["Status"] == "Not Started");
  api("POST", serve.url + "/api/v1/tasks/" + id + "/complete", token,
      json{{"outcome", "booked a demo"}}.dump());
  CHECK(eventually([&] { return fake.tasks()["tasks"][ext]["Status"] == "Completed"; }));
  CHECK(fake.tasks()["writes"][ext] == 2);  // created, then updated once

  auto status = api("GET", serve.url + "/api/v1/sync/salesforce", token);
  CHECK(status["last_push"]["pending"] == 0);
  CHECK(status["schedule"]["interval_seconds"] == 1);
  CHECK(status["schedule"]["ok"] == true);

  // A refused call (a policy 401) is logged and readable through the API; the loop goes on.
  auto calls = fake.stats()["calls"].get<int>();
  fake.configure({{"faults", {{std::to_string(calls + 1), "policy_401"}}}});
  CHECK(eventually([&] {
    auto s = api("GET", serve.url + "/api/v1/sync/salesforce", token);
    return s["last_error"].is_string() &&
           s["last_error"].get<std::string>().find("INSUFFICIENT_ACCESS") != std::string::npos;
  }));
  CHECK(eventually([&] { return slurp(serve.err).find("INSUFFICIENT_ACCESS") != std::string::npos; }));
  CHECK(eventually([&] { return fake.stats()["calls"].get<int>() > calls + 1; }));  // still runs
  CHECK(slurp(serve.err).find("fake-secret") == std::string::npos);

  int exit = serve.stop();
  CHECK(WIFEXITED(exit));
  CHECK(WEXITSTATUS(exit) == 0);
  CHECK(slurp(serve.out).find("Stopped.") != std::string::npos);
}
