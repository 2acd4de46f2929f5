// bench_claim_dispatch: claim and dispatch N due steps (default 100,000), in two variants: the
// first step of every enrollment is (a) a call, which opens a task in the rep's queue, or (b)
// an automatic email, which is rendered and joins the outgoing queue.
//
//   ours:    engine::Engine::claim_due(now) with no mail transport (tick() without the
//            sending half: messages stay `queued`; sending is the SMTP issue's benchmark), at
//            the default claim batch.
//   ceiling: on a copy of the same database, `UPDATE step_runs SET state = 'open' WHERE id = ?`
//            for the same due step ids (selected before the timer starts), in transactions of
//            EngineConfig::claim_batch updates: a batched UPDATE by primary key.
//
// Each run gets a fresh copy of the variant's database and its own forked process; runs
// alternate ours/ceiling and the medians are reported. Every run checks that exactly N steps
// changed state.

#include <cstdio>
#include <exception>
#include <thread>

#include <touchpoint/core/sequence_parser.hpp>
#include <touchpoint/engine/engine.hpp>
#include <touchpoint/engine/enroller.hpp>

#include "support.hpp"

namespace touchpoint::bench {
namespace {

namespace fs = std::filesystem;

constexpr double kTargetRatio = 0.7;
constexpr const char* kStart = "2026-03-02T12:00:00Z";  // a Monday
// Every first step is due by then (day 1 ends by Tuesday 18:00 local in every sample zone);
// every second step (day 4 or later) is not.
constexpr const char* kNow = "2026-03-04T00:00:00Z";

struct Variant {
  const char* name;
  const char* what;
  const char* sequence;
};

constexpr Variant kVariants[] = {
    {"task", "first step a call: opens a task", R"({
  "name": "Bench - claim, call first",
  "timezone": "prospect",
  "skip_weekends": true,
  "window": {"from": "08:00", "to": "18:00"},
  "steps": [
    {"day": 1, "type": "call", "note": "Call {{first_name}} at {{company}}"},
    {"day": 4, "type": "email", "send": {"mode": "at_time", "at": "10:00"},
     "template": {"subject": "Following up, {{first_name}}", "body": "<p>Hi {{first_name}}</p>"}},
    {"day": 6, "type": "linkedin", "note": "Connect on LinkedIn"}
  ]
})"},
    {"email", "first step an automatic email: renders and queues it", R"({
  "name": "Bench - claim, email first",
  "timezone": "prospect",
  "skip_weekends": true,
  "window": {"from": "08:00", "to": "18:00"},
  "steps": [
    {"day": 1, "type": "email", "send": {"mode": "choose_at_start"},
     "template": {"subject": "Quick question, {{first_name}}",
                  "body": "<p>Hi {{first_name}},</p><p>Teams like {{company}} use us to never miss a follow-up. Worth a look? <a href=\"https://touchpoint.test/tour\">2-minute tour</a></p><p>{{sender.first_name}}</p>"}},
    {"day": 4, "type": "call", "note": "Call {{first_name}}"},
    {"day": 6, "type": "email", "send": {"mode": "thread_previous"},
     "template": {"body": "<p>Hi {{first_name}}, bumping this up.</p>"}}
  ]
})"},
};

struct Settings {
  std::size_t steps = 100000;
  int reps = 5;
  core::Timestamp start{};
  core::Timestamp now{};
  std::size_t claim_batch = engine::EngineConfig{}.claim_batch;
};

std::int64_t to_db(core::Timestamp t) {
  return t.time_since_epoch().count();
}

std::int64_t count(SQLite::Database& db, const std::string& sql, std::int64_t bound) {
  SQLite::Statement q(db, sql);
  if (sql.find('?') != std::string::npos) q.bind(1, bound);
  require(q.executeStep(), "no row from " + sql);
  return q.getColumn(0).getInt64();
}

// The variant's database: N prospects enrolled at `start`, each with its first step due.
void build_variant(const Settings& s, const Variant& v, const fs::path& path) {
  auto sequence = build_base(path, v.sequence, s.steps, s.start);
  {
    auto store = store::open_sqlite_store(path);
    engine::EnrollOptions options;
    options.start = s.start;
    auto enrolled = engine::enroll(*store, sequence, store->prospects().list({}), options);
    require(enrolled && enrolled->enrolled == static_cast<int>(s.steps), "setup: cannot enroll");
  }
  checkpoint(path);
  SQLite::Database db(path.string(), SQLite::OPEN_READONLY);
  const auto n = static_cast<std::int64_t>(s.steps);
  const char* due = "SELECT count(*) FROM step_runs WHERE state = 'scheduled' AND due_at <= ?";
  require(count(db, due, to_db(s.now)) == n, "setup: not every first step is due");
  require(count(db, std::string(due) + " AND position = 1", to_db(s.now)) == n,
          "setup: a later step is due too");
}

Figures measure_ours(const Settings& s, const Variant& v, const fs::path& base,
                     const fs::path& path) {
  copy_database(base, path);
  const auto n = static_cast<std::int64_t>(s.steps);
  const bool tasks = std::string(v.name) == "task";
  Figures f;
  {
    auto store = store::open_sqlite_store(path, {.checkpoint_in_background = true});  // as the app
    engine::Engine engine(*store, nullptr, engine::EngineConfig{});

    f.rss_before_kb = current_rss_kb();
    const double cpu_before = cpu_seconds();
    Stopwatch timer;
    auto report = engine.claim_due(s.now);
    f.seconds = timer.seconds();
    f.cpu_seconds = cpu_seconds() - cpu_before;
    f.peak_rss_kb = peak_rss_kb();

    require(report.excluded == 0, "ours: steps were excluded");
    require(static_cast<std::int64_t>(tasks ? report.tasks_opened : report.messages_queued) == n,
            "ours: claimed " + std::to_string(report.tasks_opened + report.messages_queued) +
                " steps, expected " + std::to_string(n));
    if (tasks) {
      // The rep sees each task personalized, however the claim stored it.
      store::TaskFilter first;
      first.limit = 1;
      auto listed = store->tasks().list(first);
      require(listed.size() == 1, "ours: no open task to read back");
      const auto& task = listed.front();
      auto prospect = store->prospects().get(task.prospect);
      require(prospect.has_value(), "ours: a task's prospect is missing");
      const auto expected = "Call " + prospect->first_name + " at " + prospect->company;
      require(task.note == expected,
              "ours: task note '" + task.note + "', expected '" + expected + "'");
      require(task.title == "Call " + task.prospect_name, "ours: task title '" + task.title + "'");
    }
  }
  SQLite::Database db(path.string(), SQLite::OPEN_READONLY);
  if (tasks) {
    require(count(db, "SELECT count(*) FROM step_runs WHERE state = 'open'", 0) == n,
            "ours: wrong number of open tasks");
  } else {
    require(count(db, "SELECT count(*) FROM step_runs WHERE state = 'queued'", 0) == n &&
                count(db, "SELECT count(*) FROM messages WHERE state = 'queued'", 0) == n,
            "ours: wrong number of queued messages");
    // Every queued message is rendered: personalized, no tag left.
    require(count(db,
                  "SELECT count(*) FROM messages m JOIN message_bodies b USING (step_run_id) "
                  "WHERE instr(subject || html, '{{') = 0 AND instr(html, '<p>Hi First') = 1",
                  0) == n,
            "ours: a queued message is not personalized");
  }
  require(count(db, "SELECT count(*) FROM step_runs WHERE state = 'scheduled' AND due_at <= ?",
                to_db(s.now)) == 0,
          "ours: due steps were left");
  f.rows = n;
  return f;
}

Figures measure_ceiling(const Settings& s, const fs::path& base, const fs::path& path) {
  copy_database(base, path);
  const auto n = static_cast<std::int64_t>(s.steps);
  Figures f;
  {
    auto db = open_like_store(path);
    std::vector<std::int64_t> ids;
    {
      SQLite::Statement due(
          db,
          "SELECT id FROM step_runs WHERE state = 'scheduled' AND due_at <= ? ORDER BY due_at, id");
      due.bind(1, to_db(s.now));
      while (due.executeStep()) ids.push_back(due.getColumn(0).getInt64());
    }
    require(static_cast<std::int64_t>(ids.size()) == n, "ceiling: wrong number of due steps");

    f.rss_before_kb = current_rss_kb();
    const double cpu_before = cpu_seconds();
    Stopwatch timer;
    SQLite::Statement open(db, "UPDATE step_runs SET state = 'open' WHERE id = ?");
    std::int64_t changed = 0;
    for (std::size_t begin = 0; begin < ids.size(); begin += s.claim_batch) {
      const std::size_t end = std::min(ids.size(), begin + s.claim_batch);
      SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
      for (std::size_t i = begin; i < end; ++i) {
        open.reset();
        open.bind(1, ids[i]);
        changed += open.exec();
      }
      txn.commit();
    }
    f.seconds = timer.seconds();
    f.cpu_seconds = cpu_seconds() - cpu_before;
    f.peak_rss_kb = peak_rss_kb();
    require(changed == n,
            "ceiling: updated " + std::to_string(changed) + " rows, expected " + std::to_string(n));
  }
  SQLite::Database db(path.string(), SQLite::OPEN_READONLY);
  require(count(db, "SELECT count(*) FROM step_runs WHERE state = 'open'", 0) == n,
          "ceiling: wrong number of open steps");
  f.rows = n;
  return f;
}

double mib(long kb) {
  return static_cast<double>(kb) / 1024.0;
}

void print_run(int rep, const char* side, const Figures& f) {
  std::printf(
      "%4d  %-8s %7.3f s (CPU %6.3f s)  %10s steps/s  peak %6.1f MiB (%.1f before timing)\n", rep,
      side, f.seconds, f.cpu_seconds,
      with_thousands(static_cast<double>(f.rows) / f.seconds).c_str(), mib(f.peak_rss_kb),
      mib(f.rss_before_kb));
  std::fflush(stdout);
}

struct Summary {
  double ours = 0, ceiling = 0, ours_peak = 0, ceiling_peak = 0, ours_cpu = 0, ceiling_cpu = 0;
};

Summary run_variant(const Settings& s, const Variant& v, ScratchDir& dir) {
  const auto base = dir.database(std::string(v.name) + "-base.db");
  const auto ours_db = dir.database(std::string(v.name) + "-ours.db");
  const auto ceiling_db = dir.database(std::string(v.name) + "-ceiling.db");

  std::printf("variant %s (%s)\n", v.name, v.what);
  Stopwatch setup;
  run_in_child([&] {
    build_variant(s, v, base);
    return Figures{};
  });
  std::printf("  setup: %s enrollments with their first step due, in %.1f s\n",
              with_thousands(static_cast<double>(s.steps)).c_str(), setup.seconds());
  std::fflush(stdout);

  std::vector<double> ours, ceiling, ours_peak, ceiling_peak, ours_cpu, ceiling_cpu;
  for (int rep = 1; rep <= s.reps; ++rep) {
    auto o = run_in_child([&] { return measure_ours(s, v, base, ours_db); });
    remove_database(ours_db);
    print_run(rep, "ours", o);
    auto c = run_in_child([&] { return measure_ceiling(s, base, ceiling_db); });
    remove_database(ceiling_db);
    print_run(rep, "ceiling", c);
    ours.push_back(static_cast<double>(o.rows) / o.seconds);
    ceiling.push_back(static_cast<double>(c.rows) / c.seconds);
    ours_peak.push_back(mib(o.peak_rss_kb));
    ceiling_peak.push_back(mib(c.peak_rss_kb));
    ours_cpu.push_back(o.cpu_seconds);
    ceiling_cpu.push_back(c.cpu_seconds);
  }
  remove_database(base);
  Summary out{median(ours),         median(ceiling),  median(ours_peak),
              median(ceiling_peak), median(ours_cpu), median(ceiling_cpu)};
  std::printf(
      "  median of %d: ours %s steps/s, ceiling %s steps/s, ratio %.2f; peak RSS ours %.1f "
      "MiB, ceiling %.1f MiB; CPU ours %.2f s, ceiling %.2f s\n\n",
      s.reps, with_thousands(out.ours).c_str(), with_thousands(out.ceiling).c_str(),
      out.ours / out.ceiling, out.ours_peak, out.ceiling_peak, out.ours_cpu, out.ceiling_cpu);
  std::fflush(stdout);
  return out;
}

int run(int argc, char** argv) {
  Flags flags(argc, argv);
  flags.only({"steps", "reps", "dir", "malloc", "variant"});
  Settings s;
  s.steps = static_cast<std::size_t>(flags.count("steps", 100000));
  s.reps = static_cast<int>(flags.count("reps", 5));
  s.start = instant(kStart);
  s.now = instant(kNow);
  const std::string malloc_mode = set_malloc_mode(flags.text("malloc").value_or("steady"));
  ScratchDir dir(flags.text("dir"));

  std::printf("claim_dispatch: claim and dispatch %s due steps (Engine::claim_due, no transport)\n",
              with_thousands(static_cast<double>(s.steps)).c_str());
  std::printf(
      "  ceiling: UPDATE step_runs SET state = 'open' WHERE id = ?, %zu per transaction\n"
      "  malloc: %s\n  %u hardware threads; dir %s\n\n",
      s.claim_batch, malloc_mode.c_str(), std::thread::hardware_concurrency(), dir.path().c_str());
  std::fflush(stdout);

  const auto only = flags.text("variant");
  if (only && *only != "task" && *only != "email")
    throw std::invalid_argument("--variant: expected task or email, got '" + *only + "'");
  std::vector<std::pair<const Variant*, Summary>> results;
  for (const auto& v : kVariants)
    if (!only || *only == v.name) results.emplace_back(&v, run_variant(s, v, dir));

  std::printf("medians of %d runs (steps/s)\n", s.reps);
  for (const auto& [v, r] : results) {
    const double ratio = r.ours / r.ceiling;
    std::printf("  %-6s ours %10s  ceiling %10s  ratio %.2f (target >= %.1f: %s)\n", v->name,
                with_thousands(r.ours).c_str(), with_thousands(r.ceiling).c_str(), ratio,
                kTargetRatio, ratio >= kTargetRatio ? "met" : "MISSED");
  }
  return 0;
}

}  // namespace
}  // namespace touchpoint::bench

int main(int argc, char** argv) {
  return touchpoint::bench::bench_main(
      "bench_claim_dispatch",
      "[--steps N] [--reps R] [--dir PATH] [--malloc steady|default] [--variant task|email]",
      touchpoint::bench::run, argc, argv);
}
