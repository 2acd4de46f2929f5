#include "support.hpp"

#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <touchpoint/core/sequence_parser.hpp>
#include <touchpoint/core/time.hpp>

namespace touchpoint::bench {
namespace fs = std::filesystem;

void require(bool condition, const std::string& what) {
  if (!condition) throw BenchFailure(what);
}

namespace {

// What a child writes to its pipe: plain bytes, one record.
struct WireRecord {
  Figures figures;
  bool ok = false;
  char error[512] = {};
};

void write_all(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

std::size_t read_all(int fd, void* data, std::size_t size) {
  auto* p = static_cast<char*>(data);
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, p + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

}  // namespace

Figures run_in_child(const std::function<Figures()>& measure) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    ::close(fds[0]);
    WireRecord record;
    try {
      record.figures = measure();
      record.ok = true;
    } catch (const std::exception& e) {
      std::snprintf(record.error, sizeof record.error, "%s", e.what());
    }
    write_all(fds[1], &record, sizeof record);
    ::close(fds[1]);
    std::fflush(nullptr);
    ::_exit(record.ok ? 0 : 1);
  }
  ::close(fds[1]);
  WireRecord record;
  std::size_t got = read_all(fds[0], &record, sizeof record);
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (got != sizeof record) throw BenchFailure("the measuring child died without reporting");
  if (!record.ok) throw BenchFailure(record.error);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw BenchFailure("the measuring child exited abnormally");
  return record.figures;
}

long current_rss_kb() {
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

long peak_rss_kb() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

double cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

std::string set_malloc_mode(const std::string& mode) {
  if (mode == "default") return "glibc defaults (heap trimming on)";
  if (mode != "steady")
    throw std::invalid_argument("--malloc: '" + mode + "' is neither 'steady' nor 'default'");
  require(::mallopt(M_TRIM_THRESHOLD, 256 << 20) == 1, "mallopt(M_TRIM_THRESHOLD) failed");
  return "heap trimming off (M_TRIM_THRESHOLD 256 MiB) for both sides";
}

Flags::Flags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string name = argv[i];
    if (!name.starts_with("--") || i + 1 >= argc)
      throw std::invalid_argument("expected --flag value, got '" + name + "'");
    values_.emplace_back(name.substr(2), argv[++i]);
  }
}

std::optional<std::string> Flags::text(std::string_view name) const {
  std::optional<std::string> found;
  for (const auto& [key, value] : values_)
    if (key == name) found = value;
  return found;
}

void Flags::only(std::initializer_list<std::string_view> known) const {
  for (const auto& entry : values_)
    if (std::find(known.begin(), known.end(), entry.first) == known.end())
      throw std::invalid_argument("unknown flag --" + entry.first);
}

std::int64_t Flags::count(std::string_view name, std::int64_t fallback) const {
  auto value = text(name);
  if (!value) return fallback;
  std::size_t used = 0;
  long long n = 0;
  try {
    n = std::stoll(*value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value->size() || n <= 0)
    throw std::invalid_argument("--" + std::string(name) + ": '" + *value +
                                "' is not a positive count");
  return n;
}

ScratchDir::ScratchDir(const std::optional<std::string>& requested) {
  if (requested) {
    path_ = *requested;
    made_ = !fs::exists(path_);
    fs::create_directories(path_);
  } else {
    std::string pattern = (fs::temp_directory_path() / "touchpoint-bench-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
      throw std::runtime_error("mkdtemp: " + std::string(std::strerror(errno)));
    path_ = pattern;
    made_ = true;
  }
}

ScratchDir::~ScratchDir() {
  for (const auto& db : databases_) remove_database(db);
  std::error_code ec;
  if (made_) fs::remove(path_, ec);  // only when empty: never someone else's files
}

fs::path ScratchDir::database(const std::string& name) {
  auto p = path_ / name;
  databases_.push_back(p);
  return p;
}

void remove_database(const fs::path& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal", ".engine.lock"})
    fs::remove(path.string() + suffix, ec);
}

void copy_database(const fs::path& from, const fs::path& to) {
  remove_database(to);
  fs::copy_file(from, to);
  fs::path wal = from.string() + "-wal";
  if (fs::exists(wal) && fs::file_size(wal) > 0) fs::copy_file(wal, to.string() + "-wal");
}

SQLite::Database open_like_store(const fs::path& path) {
  SQLite::Database db(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  // The same settings as sequencer/store/sqlite/store.cpp gives the store's connection.
  db.setBusyTimeout(10000);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  db.exec("PRAGMA temp_store = MEMORY");
  return db;
}

const std::vector<std::string>& sample_zones() {
  static const std::vector<std::string> zones = [] {
    std::vector<std::string> z = {"America/New_York",
                                  "America/Chicago",
                                  "America/Denver",
                                  "America/Phoenix",
                                  "America/Los_Angeles",
                                  "America/Anchorage",
                                  "Pacific/Honolulu",
                                  "America/Halifax",
                                  "America/St_Johns",
                                  "America/Sao_Paulo",
                                  "America/Argentina/Buenos_Aires",
                                  "America/Mexico_City",
                                  "America/Bogota",
                                  "America/Santiago",
                                  "Europe/London",
                                  "Europe/Dublin",
                                  "Europe/Lisbon",
                                  "Europe/Stockholm",
                                  "Europe/Berlin",
                                  "Europe/Helsinki",
                                  "Europe/Istanbul",
                                  "Europe/Moscow",
                                  "Africa/Lagos",
                                  "Africa/Johannesburg",
                                  "Africa/Cairo",
                                  "Asia/Dubai",
                                  "Asia/Tehran",
                                  "Asia/Karachi",
                                  "Asia/Kolkata",
                                  "Asia/Kathmandu",
                                  "Asia/Dhaka",
                                  "Asia/Bangkok",
                                  "Asia/Shanghai",
                                  "Asia/Seoul",
                                  "Asia/Tokyo",
                                  "Australia/Adelaide",
                                  "Australia/Lord_Howe",
                                  "Pacific/Auckland",
                                  "Pacific/Chatham",
                                  "Pacific/Kiritimati"};
    require(z.size() == 40, "the sample needs 40 zones");
    for (const auto& name : z)
      require(core::find_zone(name) != nullptr, "the tz database does not know " + name);
    return z;
  }();
  return zones;
}

core::Prospect sample_prospect(std::size_t i) {
  static const char* const kIndustries[] = {"Logistics", "Software", "Banking", "Retail"};
  const std::string n = std::to_string(i);
  core::Prospect p;
  p.email = "prospect" + n + "@company" + std::to_string(i % 5000) + ".example";
  p.first_name = "First" + n;
  p.last_name = "Last" + n;
  p.company = "Company " + std::to_string(i % 5000);
  p.title = "Head of Sales";
  p.phone = "+1 555 " + n;
  p.timezone = sample_zones()[i % sample_zones().size()];
  p.owner_email = kRepEmail;
  p.custom["industry"] = kIndustries[i % 4];
  return p;
}

store::SequenceSummary build_base(const fs::path& path, const std::string& sequence_json,
                                  std::size_t count, core::Timestamp now) {
  remove_database(path);
  auto store = store::open_sqlite_store(path);
  auto rep = store->users().add({core::UserId{}, kRepEmail, "Anna Berg", "Europe/Stockholm"}, now);
  require(rep.has_value(), "cannot add the rep");
  auto sequence = core::parse_sequence(sequence_json);
  require(sequence.has_value(), "the benchmark's sequence does not parse");
  require(store->sequences().apply(*sequence, now).has_value(), "cannot apply the sequence");
  std::vector<core::Prospect> prospects;
  prospects.reserve(count);
  for (std::size_t i = 0; i < count; ++i) prospects.push_back(sample_prospect(i));
  auto imported = store->prospects().import(prospects, {"industry"}, now);
  require(imported && imported->inserted == static_cast<int>(count), "cannot import the prospects");
  auto summary = store->sequences().find(sequence->name);
  require(summary.has_value(), "the applied sequence is missing");
  return *summary;
}

void checkpoint(const fs::path& path) {
  auto db = open_like_store(path);
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

core::Timestamp instant(const char* iso8601) {
  auto t = core::parse_instant(iso8601);
  require(t.has_value(), std::string("bad instant ") + iso8601);
  return *t;
}

std::string with_thousands(double value) {
  auto n = static_cast<long long>(value + 0.5);
  std::string digits = std::to_string(n);
  std::string out;
  int since = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (since == 3 && *it != '-') {
      out.push_back(',');
      since = 0;
    }
    out.push_back(*it);
    ++since;
  }
  return {out.rbegin(), out.rend()};
}

int bench_main(const char* name, const char* usage, int (*run)(int, char**), int argc,
               char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "%s: %s\nusage: %s %s\n", name, e.what(), name, usage);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: FAILED: %s\n", name, e.what());
    return 1;
  }
}

}  // namespace touchpoint::bench
