#pragma once
// Plumbing shared by the benchmarks: arguments, a scratch directory, database copies, sample
// data, and running one measurement in a forked child so that its peak memory is its own.
// Internal to bench/.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include <touchpoint/core/prospect.hpp>
#include <touchpoint/core/sequence.hpp>
#include <touchpoint/store/store.hpp>

namespace touchpoint::bench {

// A broken invariant of a benchmark run (row counts that do not match, ...): the run exits
// non-zero.
struct BenchFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws BenchFailure with `what` unless `condition` holds.
void require(bool condition, const std::string& what);

// The figures one measured run reports to the parent.
struct Figures {
  double seconds = 0;            // the timed region only
  std::int64_t rows = 0;         // the unit of the rate
  std::int64_t enrollments = 0;  // enrollments written (schedule_persist)
  std::uint64_t checksum = 0;    // of the rows written: ours and the ceiling must agree
  long rss_before_kb = 0;        // resident set when the timer started: the run's input
  long peak_rss_kb = 0;          // ru_maxrss when the timer stopped
  double cpu_seconds = 0;        // user + system CPU of the timed region (claim_dispatch):
                                 // steadier than `seconds` on a loaded machine
};

// Runs `measure` in a forked child and returns what it reported. Throws BenchFailure with the
// child's message when it threw, or when it died.
Figures run_in_child(const std::function<Figures()>& measure);

// Resident set now, and the peak so far (ru_maxrss), in KiB.
long current_rss_kb();
long peak_rss_kb();

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

// User + system CPU this process has used so far, in seconds.
double cpu_seconds();

double median(std::vector<double> values);

// glibc returns the top of the heap to the kernel whenever more than 128 KiB lies free there.
// SQLite allocates a 64 KiB statement-journal buffer for every statement that may abort
// midway (any write that checks a foreign key) and frees it at the statement's end; when that
// buffer sits at the top of the heap, every such statement costs a brk() and 16 page faults.
// Which side of a comparison it hits depends on heap layout alone (it made the schedule
// ceiling 4x slower than ours), so by default both sides run with trimming off. `mode`
// "default" keeps glibc's defaults, to see the effect. Returns the description printed.
std::string set_malloc_mode(const std::string& mode);

// Command-line flags: `--name value` pairs.
class Flags {
 public:
  Flags(int argc, char** argv);
  // A positive count; `fallback` when absent. Throws std::invalid_argument when malformed.
  std::int64_t count(std::string_view name, std::int64_t fallback) const;
  std::optional<std::string> text(std::string_view name) const;
  // Throws std::invalid_argument naming the first flag not in `known`.
  void only(std::initializer_list<std::string_view> known) const;

 private:
  std::vector<std::pair<std::string, std::string>> values_;
};

// The directory holding a benchmark's databases: `requested`, or a fresh one under /tmp. On
// destruction it deletes every database named through it, and the directory when it made it.
class ScratchDir {
 public:
  explicit ScratchDir(const std::optional<std::string>& requested);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  // The path of a database file in the directory, deleted (with its -wal and -shm) at the end.
  std::filesystem::path database(const std::string& name);
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  bool made_ = false;
  std::vector<std::filesystem::path> databases_;
};

// Deletes a database with its -wal, -shm and engine lock files.
void remove_database(const std::filesystem::path& path);
// Copies a closed database (and its -wal, when one is left) over `to`.
void copy_database(const std::filesystem::path& from, const std::filesystem::path& to);

// Opens a raw connection with the settings open_sqlite_store gives its own (WAL, synchronous
// NORMAL, foreign keys on, 10 s busy timeout), so that a ceiling writes under the same rules.
SQLite::Database open_like_store(const std::filesystem::path& path);

// 40 IANA zones spread over every offset family: whole, half and quarter hours, both
// hemispheres' daylight saving rules, Lord Howe's half-hour shift, and zones without DST.
const std::vector<std::string>& sample_zones();

inline constexpr const char* kRepEmail = "rep.anna@touchpoint.test";

// The i-th synthetic prospect (i from 0), owned by kRepEmail, in sample_zones()[i % 40].
core::Prospect sample_prospect(std::size_t i);

// Builds a database with one rep, `sequence_json` applied and `count` prospects imported.
// Returns the sequence.
store::SequenceSummary build_base(const std::filesystem::path& path,
                                  const std::string& sequence_json, std::size_t count,
                                  core::Timestamp now);

// Moves everything in the -wal into the database file, so that a file copy carries it all.
// Call with no other connection open.
void checkpoint(const std::filesystem::path& path);

core::Timestamp instant(const char* iso8601);

std::string with_thousands(double value);

// A benchmark's main(): runs `run`, prints "<name>: <error>" and `usage` on bad arguments
// (std::invalid_argument, exit 2) and "<name>: FAILED: <error>" on any other failure (exit 1).
int bench_main(const char* name, const char* usage, int (*run)(int, char**), int argc, char** argv);

}  // namespace touchpoint::bench
