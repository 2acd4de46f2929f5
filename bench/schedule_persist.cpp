// bench_schedule_persist: schedule and persist N enrollments (default 1,000,000) x 5 steps over
// 40 time zones into SQLite.
//
//   ours:    engine::enroll on the store: rule 1 zone resolution, core::plan_schedule for every
//            prospect, and the store's insert of the enrollments and their step_runs, 5,000
//            enrollments per transaction.
//   ceiling: the same rows (computed before the timer starts) inserted raw with prepared
//            SQLiteCpp statements, 5,000 enrollments per transaction, into a copy of the same
//            database: same schema, same indexes, same pragmas.
//
// Each side runs in its own forked process, so each peak RSS is that side's own; runs
// alternate ours/ceiling and the medians are reported. Every run's rows are read back and
// checksummed: ours and the ceiling must write identical rows, or the benchmark fails.

#include <array>
#include <cstdio>
#include <exception>
#include <map>
#include <thread>

#include <touchpoint/core/schedule.hpp>
#include <touchpoint/core/sequence_parser.hpp>
#include <touchpoint/engine/enroller.hpp>

#include "support.hpp"

namespace touchpoint::bench {
namespace {

namespace fs = std::filesystem;

constexpr double kTargetRatio = 0.6;
constexpr std::size_t kBatch = 5000;  // enrollments per transaction, as engine::enroll uses
constexpr const char* kStart = "2026-03-05T14:37:00Z";  // a Thursday; US DST starts on the 8th

// Five steps, every timing rule a first week exercises: the start time, a threaded reply, a
// task, a fixed time of day; a window, weekends and two holidays inside the plan.
constexpr const char* kSequence = R"({
  "name": "Bench - schedule and persist",
  "timezone": "prospect",
  "default_timezone": "Europe/Stockholm",
  "skip_weekends": true,
  "holidays": ["2026-03-10", "2026-03-17"],
  "window": {"from": "08:00", "to": "18:00"},
  "exit_on": ["reply", "bounce", "unsubscribe"],
  "steps": [
    {"day": 1, "type": "email", "send": {"mode": "choose_at_start"},
     "template": {"subject": "Quick question, {{first_name}}",
                  "body": "<p>Hi {{first_name}},</p><p>Teams like {{company}} never miss a follow-up.</p>"}},
    {"day": 3, "type": "email", "send": {"mode": "thread_previous"},
     "template": {"body": "<p>Hi {{first_name}}, bumping this up.</p>"}},
    {"day": 3, "type": "call", "note": "Call {{first_name}} after the bump"},
    {"day": 5, "type": "email", "send": {"mode": "at_time", "at": "09:30"},
     "template": {"subject": "A case study for {{industry}}", "body": "<p>Hi {{first_name}}</p>"}},
    {"day": 8, "type": "linkedin", "note": "Connect on LinkedIn"}
  ]
})";

struct Settings {
  std::size_t enrollments = 1000000;
  int reps = 3;
  std::size_t steps = 0;  // of the sequence
  core::Timestamp start{};
};

// An order-independent checksum of every enrollment and step_run row, and their counts.
struct ReadBack {
  std::int64_t enrollments = 0;
  std::int64_t step_runs = 0;
  std::uint64_t checksum = 0;
};

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  // splitmix64 of (h ^ v): order-dependent inside one row, which is what a row needs.
  std::uint64_t z = h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t text_hash(const char* text) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (const char* p = text; *p; ++p) h = (h ^ static_cast<unsigned char>(*p)) * 1099511628211ULL;
  return h;
}

ReadBack read_back(const fs::path& path) {
  SQLite::Database db(path.string(), SQLite::OPEN_READONLY);
  ReadBack out;
  out.enrollments = db.execAndGet("SELECT count(*) FROM enrollments").getInt64();
  SQLite::Statement rows(
      db,
      "SELECT e.sequence_id, e.version_id, e.prospect_id, COALESCE(e.owner_id, 0), e.state, "
      "e.start_at, e.zone, e.created_at, e.updated_at, r.position, r.due_at, r.shift, r.state "
      "FROM step_runs r JOIN enrollments e ON e.id = r.enrollment_id");
  while (rows.executeStep()) {
    std::uint64_t h = 0;
    for (int c = 0; c < 13; ++c) {
      const auto column = rows.getColumn(c);
      h = mix(h, column.isInteger() ? static_cast<std::uint64_t>(column.getInt64())
                                    : text_hash(column.getText()));
    }
    out.checksum += h;
    ++out.step_runs;
  }
  return out;
}

void check_written(const Settings& s, const ReadBack& written, const char* side) {
  const auto n = static_cast<std::int64_t>(s.enrollments);
  require(written.enrollments == n, std::string(side) + ": " + std::to_string(written.enrollments) +
                                        " enrollments written, expected " + std::to_string(n));
  require(written.step_runs == n * static_cast<std::int64_t>(s.steps),
          std::string(side) + ": " + std::to_string(written.step_runs) +
              " step_runs written, expected " +
              std::to_string(n * static_cast<std::int64_t>(s.steps)));
}

Figures measure_ours(const Settings& s, const fs::path& base, const fs::path& path) {
  copy_database(base, path);
  Figures f;
  {
    auto store = store::open_sqlite_store(path);
    auto sequence = store->sequences().list().at(0);
    // The input, as `touchpoint enroll --prospects all` reads it.
    auto prospects = store->prospects().list({});
    require(prospects.size() == s.enrollments, "ours: the base database lacks prospects");
    engine::EnrollOptions options;
    options.start = s.start;

    f.rss_before_kb = current_rss_kb();
    Stopwatch timer;
    auto result = engine::enroll(*store, sequence, prospects, options);
    f.seconds = timer.seconds();
    f.peak_rss_kb = peak_rss_kb();

    require(result.has_value(), "ours: enroll failed: " + (result ? "" : result.error().message));
    require(result->errors.empty() && result->already_active.empty(),
            "ours: enroll skipped prospects");
    require(result->enrolled == static_cast<int>(s.enrollments), "ours: enrolled too few");
  }
  auto written = read_back(path);
  check_written(s, written, "ours");
  f.rows = written.step_runs;
  f.enrollments = written.enrollments;
  f.checksum = written.checksum;
  return f;
}

// The rows the ceiling writes, computed with the same core functions before its timer starts.
struct PlannedRows {
  std::int64_t sequence = 0;
  std::int64_t version = 0;
  std::vector<std::string> zones;  // interned zone names
  std::vector<std::int64_t> prospect, owner;
  std::vector<std::uint32_t> zone;
  std::vector<std::int64_t> due;  // `steps` per enrollment
};

PlannedRows plan_rows(const Settings& s, SQLite::Database& db) {
  PlannedRows rows;
  SQLite::Statement version(db,
                            "SELECT v.sequence_id, v.id, v.definition FROM sequence_versions v");
  require(version.executeStep(), "ceiling: no sequence version");
  rows.sequence = version.getColumn(0).getInt64();
  rows.version = version.getColumn(1).getInt64();
  auto sequence = core::parse_sequence(version.getColumn(2).getString());
  require(sequence.has_value(), "ceiling: the stored sequence does not parse");

  std::map<std::string, std::uint32_t> interned;
  rows.prospect.reserve(s.enrollments);
  rows.owner.reserve(s.enrollments);
  rows.zone.reserve(s.enrollments);
  rows.due.reserve(s.enrollments * s.steps);
  SQLite::Statement prospects(db,
                              "SELECT p.id, p.timezone, u.id, u.timezone FROM prospects p JOIN "
                              "users u ON u.id = p.owner_id "
                              "ORDER BY p.id");
  while (prospects.executeStep()) {
    auto zone = core::resolve_zone(*sequence, prospects.getColumn(1).getText(),
                                   prospects.getColumn(3).getText());
    auto plan = core::plan_schedule(*sequence, zone, s.start);
    auto [it, added] = interned.emplace(zone.name, static_cast<std::uint32_t>(rows.zones.size()));
    if (added) rows.zones.push_back(zone.name);
    rows.prospect.push_back(prospects.getColumn(0).getInt64());
    rows.owner.push_back(prospects.getColumn(2).getInt64());
    rows.zone.push_back(it->second);
    for (const auto& step : plan.steps) rows.due.push_back(step.due_at.time_since_epoch().count());
  }
  require(rows.prospect.size() == s.enrollments, "ceiling: the base database lacks prospects");
  return rows;
}

Figures measure_ceiling(const Settings& s, const fs::path& base, const fs::path& path) {
  copy_database(base, path);
  Figures f;
  {
    auto db = open_like_store(path);
    const PlannedRows rows = plan_rows(s, db);
    const std::int64_t now = s.start.time_since_epoch().count();
    const std::int64_t start = now;

    f.rss_before_kb = current_rss_kb();
    Stopwatch timer;
    SQLite::Statement enrollment(
        db,
        "INSERT INTO enrollments (sequence_id, version_id, prospect_id, owner_id, state, start_at, "
        "zone, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'active', ?5, ?6, ?7, ?7)");
    SQLite::Statement step(
        db, "INSERT INTO step_runs (enrollment_id, position, due_at) VALUES (?1, ?2, ?3)");
    enrollment.bind(1, rows.sequence);
    enrollment.bind(2, rows.version);
    enrollment.bind(5, start);
    enrollment.bind(7, now);
    const std::size_t n = rows.prospect.size();
    for (std::size_t begin = 0; begin < n; begin += kBatch) {
      const std::size_t end = std::min(n, begin + kBatch);
      SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
      for (std::size_t i = begin; i < end; ++i) {
        enrollment.reset();
        enrollment.bind(3, rows.prospect[i]);
        enrollment.bind(4, rows.owner[i]);
        enrollment.bindNoCopy(6, rows.zones[rows.zone[i]]);
        enrollment.exec();
        const std::int64_t id = db.getLastInsertRowid();
        for (std::size_t p = 0; p < s.steps; ++p) {
          step.reset();
          step.bind(1, id);
          step.bind(2, static_cast<std::int64_t>(p + 1));
          step.bind(3, rows.due[i * s.steps + p]);
          step.exec();
        }
      }
      txn.commit();
    }
    f.seconds = timer.seconds();
    f.peak_rss_kb = peak_rss_kb();
  }
  auto written = read_back(path);
  check_written(s, written, "ceiling");
  f.rows = written.step_runs;
  f.enrollments = written.enrollments;
  f.checksum = written.checksum;
  return f;
}

double mib(long kb) {
  return static_cast<double>(kb) / 1024.0;
}

void print_run(int rep, const char* side, const Figures& f) {
  std::printf(
      "%4d  %-8s %8.2f s  %12s rows/s  %11s enrollments/s  peak %7.1f MiB (%.1f before timing)\n",
      rep, side, f.seconds, with_thousands(static_cast<double>(f.rows) / f.seconds).c_str(),
      with_thousands(static_cast<double>(f.enrollments) / f.seconds).c_str(), mib(f.peak_rss_kb),
      mib(f.rss_before_kb));
  std::fflush(stdout);
}

struct Medians {
  double rows_per_s = 0, enrollments_per_s = 0, peak_mib = 0, before_mib = 0;
};

Medians medians_of(const std::vector<Figures>& runs) {
  std::vector<double> rows, enrollments, peak, before;
  for (const auto& f : runs) {
    rows.push_back(static_cast<double>(f.rows) / f.seconds);
    enrollments.push_back(static_cast<double>(f.enrollments) / f.seconds);
    peak.push_back(mib(f.peak_rss_kb));
    before.push_back(mib(f.rss_before_kb));
  }
  return {median(rows), median(enrollments), median(peak), median(before)};
}

int run(int argc, char** argv) {
  Flags flags(argc, argv);
  flags.only({"enrollments", "reps", "dir", "malloc"});
  Settings s;
  s.enrollments = static_cast<std::size_t>(flags.count("enrollments", 1000000));
  s.reps = static_cast<int>(flags.count("reps", 3));
  s.start = instant(kStart);
  auto sequence = core::parse_sequence(kSequence);
  require(sequence.has_value(), "the benchmark's sequence does not parse");
  s.steps = sequence->steps.size();

  const std::string malloc_mode = set_malloc_mode(flags.text("malloc").value_or("steady"));
  ScratchDir dir(flags.text("dir"));
  const auto base = dir.database("base.db");
  const auto ours_db = dir.database("ours.db");
  const auto ceiling_db = dir.database("ceiling.db");

  std::printf(
      "schedule_persist: schedule and persist %s enrollments x %zu steps over %zu zones "
      "into SQLite\n",
      with_thousands(static_cast<double>(s.enrollments)).c_str(), s.steps, sample_zones().size());
  std::printf(
      "  ours:    engine::enroll (zone resolution + core::plan_schedule + store insert)\n"
      "  ceiling: raw prepared INSERTs of the same rows, precomputed, into the same schema\n"
      "  both:    %zu enrollments per transaction; rows = step_runs rows; %u hardware threads; "
      "dir %s\n",
      kBatch, std::thread::hardware_concurrency(), dir.path().c_str());
  std::printf("  malloc:  %s\n", malloc_mode.c_str());
  std::fflush(stdout);

  // The base database (rep, sequence, prospects) is built once, in a child, so this process
  // stays small and every measuring child starts from the same few MiB.
  Stopwatch setup;
  run_in_child([&] {
    build_base(base, kSequence, s.enrollments, s.start);
    checkpoint(base);
    return Figures{};
  });
  std::printf("  setup:   base database with 1 rep, 1 sequence, %s prospects in %.1f s\n\n",
              with_thousands(static_cast<double>(s.enrollments)).c_str(), setup.seconds());
  std::fflush(stdout);

  std::vector<Figures> ours, ceiling;
  for (int rep = 1; rep <= s.reps; ++rep) {
    ours.push_back(run_in_child([&] { return measure_ours(s, base, ours_db); }));
    remove_database(ours_db);
    print_run(rep, "ours", ours.back());
    ceiling.push_back(run_in_child([&] { return measure_ceiling(s, base, ceiling_db); }));
    remove_database(ceiling_db);
    print_run(rep, "ceiling", ceiling.back());
  }
  // Every run wrote the same rows: the comparison is of equal work.
  for (const auto& f : ours)
    require(f.checksum == ceiling.front().checksum && f.rows == ceiling.front().rows,
            "ours and the ceiling wrote different rows");
  for (const auto& f : ceiling)
    require(f.checksum == ceiling.front().checksum && f.rows == ceiling.front().rows,
            "the ceiling's runs wrote different rows");

  const auto o = medians_of(ours);
  const auto c = medians_of(ceiling);
  const double ratio = o.rows_per_s / c.rows_per_s;
  std::printf("\nmedians of %d runs (rows = step_runs rows; %zu per enrollment)\n", s.reps,
              s.steps);
  std::printf(
      "  ours:    %12s rows/s  %11s enrollments/s  peak RSS %7.1f MiB (%.1f MiB input before "
      "timing)\n",
      with_thousands(o.rows_per_s).c_str(), with_thousands(o.enrollments_per_s).c_str(), o.peak_mib,
      o.before_mib);
  std::printf(
      "  ceiling: %12s rows/s  %11s enrollments/s  peak RSS %7.1f MiB (%.1f MiB input before "
      "timing)\n",
      with_thousands(c.rows_per_s).c_str(), with_thousands(c.enrollments_per_s).c_str(), c.peak_mib,
      c.before_mib);
  std::printf("  ratio ours/ceiling: %.2f (target >= %.1f: %s)\n", ratio, kTargetRatio,
              ratio >= kTargetRatio ? "met" : "MISSED");
  return 0;
}

}  // namespace
}  // namespace touchpoint::bench

int main(int argc, char** argv) {
  return touchpoint::bench::bench_main(
      "bench_schedule_persist",
      "[--enrollments N] [--reps R] [--dir PATH] [--malloc steady|default]", touchpoint::bench::run,
      argc, argv);
}
