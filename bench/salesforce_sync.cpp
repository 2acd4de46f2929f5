// Salesforce push throughput: N Task changes staged in the store's outbox and drained into the
// fake Salesforce (tests/fakes/fake_salesforce.py, a fixed latency per call), side by side with
// jsforce doing the same upserts (bench/salesforce_jsforce.js) and with the ceiling
// calls × latency ÷ concurrency. Targets: records per call ÷ 200 ≥ 0.95; drain time ≤ 1.2 ×
// the ceiling. Fails (exit 1) when a side did not land every record exactly once.
//
// bench_salesforce_sync [--records 100000] [--latency-ms 20] [--concurrency 4] [--runs 3]
//                       [--no-jsforce]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <touchpoint/salesforce/sync.hpp>

#include "fake_salesforce.hpp"

namespace fs = std::filesystem;
namespace sf = touchpoint::salesforce;
using nlohmann::json;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct Run {
  double ms = 0;
  double calls = 0;
  bool complete = false;
};

Run ours(long records, int latency, int concurrency) {
  touchpoint::testing::FakeSalesforce fake({"--latency-ms", std::to_string(latency)});
  std::random_device rd;
  auto dir = fs::temp_directory_path() / ("touchpoint-bench-sf-" + std::to_string(rd()));
  fs::create_directories(dir);
  Run run;
  {
    auto store = touchpoint::store::open_sqlite_store(dir / "bench.db");
    auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    std::vector<touchpoint::store::OutboxRecord> staged;
    for (long i = 0; i < records; ++i) {
      json f;
      f["Touchpoint_Id__c"] = "tp-task-" + std::to_string(i);
      f["Subject"] = "Call prospect " + std::to_string(i);
      f["Status"] = "Not Started";
      f["Priority"] = "Normal";
      f["ActivityDate"] = "2026-03-02";
      f["TaskSubtype"] = "Call";
      f["OwnerId"] = "0055e000001AnnAAA";
      f["CallType"] = "Outbound";
      f["Description"] = "Sequence: Nordic outbound, step 2";
      staged.push_back({"tp-task-" + std::to_string(i), f.dump(), ""});
    }
    store->salesforce().stage(staged, now);
    ::setenv("TP_BENCH_SF_SECRET", "fake-secret", 1);
    sf::Settings settings;
    settings.login_url = fake.url();
    settings.flow = sf::Flow::client_credentials;
    settings.client_id = "3MVG9FAKE";
    settings.client_secret_env = "TP_BENCH_SF_SECRET";
    settings.concurrency = concurrency;
    sf::Api api(settings, *sf::load_secrets(settings));
    api.refresh();  // the token is not part of the drain
    auto start = std::chrono::steady_clock::now();
    auto s = sf::drain(*store, api, now);
    run.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                 .count();
    run.calls = static_cast<double>(s.calls);
    auto stored = fake.tasks();
    run.complete = s.confirmed == records && stored["tasks"].size() == static_cast<std::size_t>(records);
    for (const auto& [id, n] : stored["writes"].items()) run.complete = run.complete && n == 1;
  }
  fs::remove_all(dir);
  return run;
}

Run jsforce(long records, int latency, int concurrency) {
  touchpoint::testing::FakeSalesforce fake({"--latency-ms", std::to_string(latency)});
  std::string command = "node '" + std::string(TOUCHPOINT_BENCH_DIR) + "/salesforce_jsforce.js' " +
                        fake.url() + " " + std::to_string(records) + " " +
                        std::to_string(concurrency);
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  char buffer[4096];
  while (auto n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  Run run;
  if (::pclose(pipe) != 0) return run;
  auto doc = json::parse(out);
  run.ms = doc["ms"].get<double>();
  run.calls = doc["calls"].get<double>();
  auto stored = fake.tasks();
  run.complete = doc["ok"].get<long>() == records &&
                 stored["tasks"].size() == static_cast<std::size_t>(records);
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  long records = 100'000;
  int latency = 20, concurrency = 4, runs = 3;
  bool with_jsforce = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--records") records = std::stol(next());
    else if (a == "--latency-ms") latency = std::stoi(next());
    else if (a == "--concurrency") concurrency = std::stoi(next());
    else if (a == "--runs") runs = std::stoi(next());
    else if (a == "--no-jsforce") with_jsforce = false;
    else {
      std::cerr << "unknown option " << a << "\n";
      return 2;
    }
  }
  std::vector<double> our_ms, our_calls, js_ms, js_calls;
  bool complete = true;
  for (int r = 0; r < runs; ++r) {
    auto o = ours(records, latency, concurrency);
    complete = complete && o.complete;
    our_ms.push_back(o.ms);
    our_calls.push_back(o.calls);
    if (with_jsforce) {
      auto j = jsforce(records, latency, concurrency);
      complete = complete && j.complete;
      js_ms.push_back(j.ms);
      js_calls.push_back(j.calls);
    }
  }
  auto report = [&](const char* name, const std::vector<double>& ms,
                    const std::vector<double>& calls) {
    double m = median(ms), c = median(calls);
    double ceiling = c * latency / concurrency;
    double fill = c > 0 ? static_cast<double>(records) / c / 200.0 : 0;
    std::printf("%-10s drain %9.1f ms  calls %7.0f  records/call÷200 %.3f  ceiling %9.1f ms  "
                "drain÷ceiling %.3f  records/s %9.0f\n",
                name, m, c, fill, ceiling, ceiling > 0 ? m / ceiling : 0,
                m > 0 ? static_cast<double>(records) * 1000.0 / m : 0);
    return std::pair{fill, ceiling > 0 ? m / ceiling : 0};
  };
  std::printf("salesforce push: %ld Task records, fake latency %d ms, concurrency %d, median of "
              "%d run(s)\n",
              records, latency, concurrency, runs);
  auto [fill, ratio] = report("touchpoint", our_ms, our_calls);
  if (with_jsforce) {
    report("jsforce", js_ms, js_calls);
    std::printf("touchpoint÷jsforce drain time %.3f\n", median(our_ms) / median(js_ms));
  }
  std::printf("targets: records/call÷200 >= 0.95 (%s), drain <= 1.2 x ceiling (%s)\n",
              fill >= 0.95 ? "met" : "missed", ratio <= 1.2 ? "met" : "missed");
  if (!complete) {
    std::printf("FAILED: a side did not land every record exactly once\n");
    return 1;
  }
  return 0;
}
