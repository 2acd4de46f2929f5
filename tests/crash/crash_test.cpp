// Crash safety (foundation issue): "Kill the process in the middle of a tick batch. After a
// restart, no step is lost or done twice." The real `touchpoint` binary runs `tick` over a few
// thousand due steps and is killed with SIGKILL several times in a row — while it claims steps
// and while it writes emails — before a last tick runs to the end. DESIGN.md §6: a message
// whose send had started ('sending') when the process died becomes 'unknown' and is never
// resent.
//
// After every kill the database and the outbox are inspected directly (SQLite, read-only, and
// the folder transport's <message-id>.eml files); the history of those snapshots is what
// proves that nothing sent or in flight was ever sent again.

#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>
#include <touchpoint/core/message_id.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kProspects = 3000;
constexpr const char* kSetupNow = "2026-03-01T00:00:00Z";
constexpr const char* kStart = "2026-03-02T09:00:00Z";  // a Monday: day 1 is the start date
constexpr const char* kNow = "2026-03-02T12:00:00Z";    // every step is due by then
constexpr auto kChildTimeout = 60s;

// Three steps, all due at the start: an email, a threaded follow-up the same day (excluded for
// the prospects without an industry) and a call task. The task is the last step, so no later
// step waits on it (rule 8) and every step of every enrollment is due by kNow.
constexpr const char* kSequence = R"({
  "name": "Crash safety",
  "timezone": "UTC",
  "skip_weekends": false,
  "window": {"from": "08:00", "to": "18:00"},
  "exit_on": ["reply", "bounce", "unsubscribe"],
  "steps": [
    {"day": 1, "type": "email", "send": {"mode": "choose_at_start"},
     "template": {"subject": "Quick question, {{first_name}}",
                  "body": "<p>Hi {{first_name}}, how does {{company}} handle follow-ups?</p>"}},
    {"day": 1, "type": "email", "send": {"mode": "thread_previous"},
     "template": {"body": "<p>Teams in {{industry}} tell us it matters, {{first_name}}.</p>"}},
    {"day": 1, "type": "call", "note": "Call {{first_name}} about the two emails"}
  ]
})";

bool has_industry(int prospect) {
  return prospect % 10 != 0;
}

int prospect_index(const std::string& email) {  // "p123@example.com" -> 123
  return std::stoi(email.substr(1, email.find('@') - 1));
}

std::string prospects_csv() {
  std::ostringstream csv;
  csv << "email,first_name,last_name,company,owner,industry\n";
  for (int i = 0; i < kProspects; ++i)
    csv << 'p' << i << "@example.com,First" << i << ",Last" << i << ",Company " << i
        << ",rep@touchpoint.test," << (has_industry(i) ? "Logistics" : "") << '\n';
  return csv.str();
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE(out.good());
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("touchpoint-crash-" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// ---------------------------------------------------------------------------------------------
// The real binary as a child process: stdout to a file, stderr to a pipe read as it comes (the
// tick's progress lines), in the test's folder so no stray touchpoint.json is picked up.

struct Exit {
  bool killed = false;  // by our SIGKILL
  int status = -1;      // exit status when it exited
  std::string out;
  std::string err;
};

class Child {
 public:
  Child(const fs::path& dir, const std::vector<std::string>& args) : out_path_(dir / "child.out") {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    std::vector<std::string> argv_text{TOUCHPOINT_BIN};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::cout.flush();
    std::cerr.flush();
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      // Only async-signal-safe calls from here to exec.
      int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (::chdir(dir.c_str()) != 0 || out < 0 || ::dup2(out, 1) < 0 || ::dup2(fds[1], 2) < 0)
        ::_exit(126);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    err_fd_ = fds[0];
    ::fcntl(err_fd_, F_SETFL, ::fcntl(err_fd_, F_GETFL) | O_NONBLOCK);
    started_ = Clock::now();
  }
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (err_fd_ >= 0) ::close(err_fd_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Stderr so far.
  const std::string& err() {
    drain();
    return err_;
  }
  bool running() {
    if (reaped_) return false;
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      status_ = status;
    }
    return !reaped_;
  }
  Clock::duration elapsed() const { return Clock::now() - started_; }
  void kill() { ::kill(pid_, SIGKILL); }

  Exit wait() {
    while (running()) {
      drain();
      if (elapsed() > kChildTimeout) {
        kill();
        FAIL("touchpoint ran longer than the timeout and was killed");
      }
      std::this_thread::sleep_for(1ms);
    }
    drain();
    Exit e;
    e.killed = WIFSIGNALED(status_) && WTERMSIG(status_) == SIGKILL;
    e.status = WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
    e.out = read_file(out_path_);
    e.err = err_;
    return e;
  }

 private:
  void drain() {
    char buffer[4096];
    for (;;) {
      ssize_t n = ::read(err_fd_, buffer, sizeof buffer);
      if (n > 0) {
        err_.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      return;  // EOF or nothing more for now
    }
  }

  fs::path out_path_;
  pid_t pid_ = -1;
  int err_fd_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  std::string err_;
  Clock::time_point started_;
};

// ---------------------------------------------------------------------------------------------
// Snapshots of the database and the outbox.

struct FileInfo {
  ino_t inode = 0;
  std::int64_t mtime_ns = 0;
  off_t size = 0;
  bool operator==(const FileInfo&) const = default;
};

struct Message {
  std::int64_t id = 0;
  std::int64_t step = 0;
  std::string message_id;
  std::string state;
};

struct Step {
  std::int64_t id = 0;
  std::int64_t enrollment = 0;
  int position = 0;
  std::string state;
  std::string cause;
  std::string prospect;  // email
  std::int64_t due_at = 0;
};

struct Snapshot {
  std::map<std::int64_t, Message> messages;  // by row id
  std::map<std::string, std::int64_t> by_message_id;
  std::map<std::int64_t, Step> steps;     // by step_run id
  std::map<std::string, FileInfo> files;  // <message-id>.eml, by message id
  std::size_t temporaries = 0;            // a write cut short by a kill

  std::size_t count(const std::string& state) const {
    std::size_t n = 0;
    for (const auto& [id, m] : messages) n += m.state == state;
    return n;
  }
  std::size_t steps_in(const std::string& state) const {
    std::size_t n = 0;
    for (const auto& [id, s] : steps) n += s.state == state;
    return n;
  }
  bool has_file(const Message& m) const { return files.count(m.message_id) > 0; }
};

std::optional<FileInfo> stat_file(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileInfo{st.st_ino,
                  static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
                  st.st_size};
}

// Counts the .eml files the folder transport renames into the outbox, from inotify events:
// scanning a folder of thousands of files every few hundred microseconds would compete with
// the renames for the folder's lock and slow the child down several times.
class OutboxWatch {
 public:
  explicit OutboxWatch(const fs::path& outbox) {
    fs::create_directories(outbox);
    fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    REQUIRE(fd_ >= 0);
    REQUIRE(::inotify_add_watch(fd_, outbox.c_str(), IN_MOVED_TO) >= 0);
  }
  ~OutboxWatch() { ::close(fd_); }
  bool overflowed() const { return overflowed_; }
  OutboxWatch(const OutboxWatch&) = delete;
  OutboxWatch& operator=(const OutboxWatch&) = delete;

  // Files that appeared since the last call.
  std::size_t new_files() {
    alignas(inotify_event) char buffer[64 * 1024];
    std::size_t n = 0;
    for (;;) {
      ssize_t got = ::read(fd_, buffer, sizeof buffer);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return n;
      for (ssize_t at = 0; at < got;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
        if (event->mask & IN_Q_OVERFLOW) overflowed_ = true;
        std::string_view name = event->len ? std::string_view(event->name) : std::string_view();
        if (!name.empty() && name.front() != '.' && name.ends_with(".eml")) ++n;
        at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      }
    }
  }

 private:
  int fd_ = -1;
  bool overflowed_ = false;  // events were lost: a round may have killed later than planned
};

Snapshot take_snapshot(const fs::path& db_path, const fs::path& outbox) {
  Snapshot s;
  SQLite::Database db(db_path.string(), SQLite::OPEN_READONLY);
  SQLite::Statement m(db, "SELECT id, step_run_id, message_id, state FROM messages");
  while (m.executeStep()) {
    Message msg{m.getColumn(0).getInt64(), m.getColumn(1).getInt64(), m.getColumn(2).getString(),
                m.getColumn(3).getString()};
    s.by_message_id[msg.message_id] = msg.id;
    s.messages[msg.id] = std::move(msg);
  }
  SQLite::Statement r(
      db,
      "SELECT r.id, r.enrollment_id, r.position, r.state, COALESCE(r.cause, ''), p.email, r.due_at "
      "FROM step_runs r JOIN enrollments e ON e.id = r.enrollment_id "
      "JOIN prospects p ON p.id = e.prospect_id");
  while (r.executeStep()) {
    Step step{r.getColumn(0).getInt64(),  r.getColumn(1).getInt64(),  r.getColumn(2).getInt(),
              r.getColumn(3).getString(), r.getColumn(4).getString(), r.getColumn(5).getString(),
              r.getColumn(6).getInt64()};
    s.steps[step.id] = std::move(step);
  }
  std::error_code ec;
  for (fs::directory_iterator it(outbox, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.front() == '.' && name.ends_with(".tmp")) {
      ++s.temporaries;
    } else if (name.ends_with(".eml")) {
      auto info = stat_file(it->path());
      if (info) s.files[name.substr(0, name.size() - 4)] = *info;
    }
  }
  return s;
}

// Collects violations; a CHECK per violation would drown the report in thousands of lines.
class Problems {
 public:
  void add(const std::string& what) {
    if (list_.size() < 15) list_.push_back(what);
    ++count_;
  }
  std::size_t count() const { return count_; }
  std::string text() const {
    std::string t;
    for (const auto& p : list_) t += "  " + p + '\n';
    if (count_ > list_.size())
      t += "  ... and " + std::to_string(count_ - list_.size()) + " more\n";
    return t;
  }

 private:
  std::vector<std::string> list_;
  std::size_t count_ = 0;
};

// What must hold at any instant, even right after a SIGKILL: a claimed email step has exactly
// one message; a 'sent' message has its file; every file belongs to a message whose send was
// started; no step has two files.
void check_consistent(const Snapshot& s, Problems& p) {
  std::map<std::int64_t, int> messages_per_step;
  for (const auto& [id, m] : s.messages) {
    ++messages_per_step[m.step];
    auto step = s.steps.find(m.step);
    if (step == s.steps.end())
      p.add("message " + std::to_string(id) + " has no step_run");
    else if (step->second.state != "queued")
      p.add("message " + std::to_string(id) + " belongs to a step in state " + step->second.state);
    if (m.state != "queued" && m.state != "sending" && m.state != "sent" && m.state != "unknown")
      p.add("message " + std::to_string(id) + " is " + m.state);
    if (m.state == "sent" && !s.has_file(m))
      p.add("message " + std::to_string(id) + " is 'sent' but has no .eml file (lost)");
  }
  for (const auto& [id, n] : messages_per_step)
    if (n != 1) p.add("step " + std::to_string(id) + " has " + std::to_string(n) + " messages");
  for (const auto& [id, step] : s.steps)
    if (step.state == "queued" && messages_per_step.count(id) == 0)
      p.add("step " + std::to_string(id) + " is 'queued' without a message (lost)");

  std::map<std::int64_t, std::string> file_per_step;
  for (const auto& [message_id, info] : s.files) {
    auto row = s.by_message_id.find(message_id);
    if (row == s.by_message_id.end()) {
      p.add("file " + message_id + ".eml matches no message");
      continue;
    }
    const auto& m = s.messages.at(row->second);
    if (m.state == "queued")
      p.add("file " + message_id + ".eml exists for a message still 'queued' (sent unmarked)");
    if (auto parsed = touchpoint::core::step_of_message_id(message_id); !parsed)
      p.add("file " + message_id + ".eml: not a Message-ID this engine makes");
    else if (*parsed != m.step)
      p.add("file " + message_id + ".eml names step " + std::to_string(*parsed) +
            " but its message is step " + std::to_string(m.step));
    auto [it, fresh] = file_per_step.emplace(m.step, message_id);
    if (!fresh)
      p.add("step " + std::to_string(m.step) + " has two files: " + it->second + ", " + message_id);
  }
}

// The history across snapshots: what was sent stays sent with the same file, and what was in
// flight at a kill is never sent again (its file, present or not, never changes).
class History {
 public:
  void record(const Snapshot& s, Problems& p) {
    for (const auto& [id, m] : s.messages) {
      auto file =
          s.files.count(m.message_id) ? std::optional(s.files.at(m.message_id)) : std::nullopt;
      if (auto sent = sent_.find(id); sent != sent_.end()) {
        if (m.state != "sent")
          p.add("message " + std::to_string(id) + " was 'sent', now " + m.state);
        if (file != sent->second)
          p.add("message " + std::to_string(id) +
                " was 'sent' and its file was rewritten (resent)");
      }
      if (auto flight = in_flight_.find(id); flight != in_flight_.end()) {
        if (m.state != "sending" && m.state != "unknown")
          p.add("message " + std::to_string(id) + " was in flight at a kill, now " + m.state);
        if (file != flight->second)
          p.add("message " + std::to_string(id) + " was in flight at a kill and its file " +
                (flight->second ? "changed" : "appeared later") + " (resent)");
      }
      if (m.state == "unknown" && !in_flight_.count(id))
        p.add("message " + std::to_string(id) + " is 'unknown' but was never seen in flight");
      if (m.state == "sent" && !sent_.count(id) && file) sent_.emplace(id, *file);
      if (m.state == "sending" && !in_flight_.count(id)) in_flight_.emplace(id, file);
    }
  }
  const std::map<std::int64_t, std::optional<FileInfo>>& in_flight() const { return in_flight_; }

 private:
  std::map<std::int64_t, std::optional<FileInfo>> sent_;
  std::map<std::int64_t, std::optional<FileInfo>> in_flight_;
};

// ---------------------------------------------------------------------------------------------
// Kill rounds.

enum class Trigger {
  delay_ms,       // a fixed time after the start
  claimed_lines,  // after this many claim batches committed (the tick's progress lines)
  outbox_growth,  // once this many .eml files were written since the round started
};

struct Round {
  std::string name;
  Trigger trigger;
  std::size_t param;
  int then_ms = 0;  // wait this long after the trigger before the kill
};

struct RoundResult {
  std::string name;
  bool killed = false;
  double at_ms = 0;
  std::size_t scheduled_left = 0;  // due steps not yet claimed after the kill
  std::size_t queued = 0, sending = 0, sending_with_file = 0, sent = 0, unknown = 0;
  std::size_t files = 0, temporaries = 0;
};

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("a tick killed mid-batch loses no step and sends none twice", "[crash]") {
  TempDir tmp;
  const fs::path dir = tmp.path();
  const fs::path db = dir / "touchpoint.db";
  const fs::path outbox = dir / "outbox";  // the folder transport's default, beside the db

  auto touchpoint = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db.string()});
    Child child(dir, args);
    return child.wait();
  };
  auto ok = [&](std::vector<std::string> args) {
    auto e = touchpoint(args);
    std::string command;
    for (const auto& a : args) command += a + ' ';
    INFO("touchpoint " << command << "\nstdout: " << e.out << "\nstderr: " << e.err);
    REQUIRE(e.status == 0);
    return e;
  };

  // Setup: one rep, the prospects (imported first: the sequence's template uses their custom
  // column), the sequence, and everybody enrolled at kStart.
  write_file(dir / "prospects.csv", prospects_csv());
  write_file(dir / "sequence.json", kSequence);
  ok({"user", "add", "--email", "rep@touchpoint.test", "--name", "Rita Rep", "--timezone", "UTC",
      "--now", kSetupNow});
  ok({"prospects", "import", (dir / "prospects.csv").string(), "--now", kSetupNow});
  ok({"sequence", "apply", (dir / "sequence.json").string(), "--now", kSetupNow});
  auto enrolled = ok({"enroll", "--sequence", "Crash safety", "--prospects", "all", "--start",
                      kStart, "--now", kSetupNow, "--json"});
  REQUIRE(nlohmann::json::parse(enrolled.out).at("enrolled") == kProspects);

  std::size_t expected_emails = 0, expected_excluded = 0;
  for (int i = 0; i < kProspects; ++i) {
    expected_emails += has_industry(i) ? 2u : 1u;
    expected_excluded += has_industry(i) ? 0u : 1u;
  }

  // Kill rounds, in this order; each starts a fresh `tick --now kNow` on what the previous
  // one left. The claim phase comes first (~40 claiming transactions of at most 500 steps, one
  // step per enrollment each, ~10-15 ms apiece): its rounds kill at 1, 2, ... 12 ms into the
  // second batch, timed from the progress line the first batch's commit prints. The send rounds
  // wait for the outbox to grow, so the kill lands while a message is marked 'sending' (each
  // commit records one message and starts the next: a kill often lands with the file written
  // and not yet recorded). The last round kills right after the first file of a run, when a
  // message is certainly in flight, so the final tick has to recover it.
  std::vector<Round> rounds = {
      {"claim: right after batch 1 commits", Trigger::claimed_lines, 1},
      {"very early: 15 ms after exec", Trigger::delay_ms, 15},
  };
  for (int ms = 1; ms <= 12; ++ms)
    rounds.push_back(
        {"claim: " + std::to_string(ms) + " ms into batch 2", Trigger::claimed_lines, 1, ms});
  rounds.insert(rounds.end(), {
                                  {"send: after 600 more files", Trigger::outbox_growth, 600},
                                  {"send: after 25 more files", Trigger::outbox_growth, 25},
                                  {"any: 120 ms after exec", Trigger::delay_ms, 120},
                                  {"send: after 1200 more files", Trigger::outbox_growth, 1200},
                                  {"send: after 180 more files", Trigger::outbox_growth, 180},
                                  {"send: after the 1st new file", Trigger::outbox_growth, 1},
                              });
  const std::vector<std::string> tick_args{"--db", db.string(), "tick", "--now", kNow};

  History history;
  std::vector<RoundResult> results;
  Snapshot last;
  OutboxWatch watch(outbox);
  for (const auto& round : rounds) {
    watch.new_files();  // from here on
    std::size_t grown = 0;
    Child child(dir, tick_args);
    bool triggered = false;
    while (child.running()) {
      switch (round.trigger) {
        case Trigger::delay_ms:
          triggered = child.elapsed() >= std::chrono::milliseconds(round.param);
          break;
        case Trigger::claimed_lines:
          triggered = occurrences(child.err(), "claimed ") >= round.param;
          break;
        case Trigger::outbox_growth:
          grown += watch.new_files();
          triggered = grown >= round.param;
          break;
      }
      if (triggered) {
        if (round.then_ms) std::this_thread::sleep_for(std::chrono::milliseconds(round.then_ms));
        child.kill();
        break;
      }
      if (child.elapsed() > kChildTimeout) FAIL("round '" << round.name << "' timed out");
      std::this_thread::sleep_for(100us);
    }
    RoundResult r;
    r.name = round.name;
    r.at_ms = std::chrono::duration<double, std::milli>(child.elapsed()).count();
    auto exit = child.wait();
    r.killed = exit.killed;
    INFO("round '" << round.name << "': status " << exit.status << "\nstderr: " << exit.err);
    REQUIRE(r.killed);  // every round must die by the kill, not finish the work

    last = take_snapshot(db, outbox);
    Problems problems;
    check_consistent(last, problems);
    history.record(last, problems);
    INFO("after round '" << round.name << "':\n" << problems.text());
    CHECK(problems.count() == 0);

    r.scheduled_left = last.steps_in("scheduled");
    r.queued = last.count("queued");
    r.sending = last.count("sending");
    r.sent = last.count("sent");
    r.unknown = last.count("unknown");
    for (const auto& [id, m] : last.messages)
      r.sending_with_file += m.state == "sending" && last.has_file(m);
    r.files = last.files.size();
    r.temporaries = last.temporaries;
    results.push_back(r);
  }

  CHECK_FALSE(watch.overflowed());

  // The final tick runs to the end. It first marks what the last kill left 'sending' as
  // 'unknown', and says how many.
  auto final_tick = ok({"tick", "--now", kNow, "--json"});
  auto report = nlohmann::json::parse(final_tick.out);
  CHECK(report.at("recovered_unknown").get<std::size_t>() == last.count("sending"));
  CHECK(report.at("failed") == 0);
  CHECK(report.at("deferred") == 0);
  const Snapshot done = take_snapshot(db, outbox);

  // A further tick finds nothing to do, recovers nothing and writes nothing.
  auto idle = nlohmann::json::parse(ok({"tick", "--now", kNow, "--json"}).out);
  for (const char* field : {"tasks_opened", "messages_queued", "excluded", "sent", "deferred",
                            "failed", "recovered_unknown"}) {
    INFO("idle tick field " << field);
    CHECK(idle.at(field) == 0);
  }
  const Snapshot idle_snapshot = take_snapshot(db, outbox);
  CHECK(idle_snapshot.files == done.files);

  // The rounds' summary, in the test's output.
  std::printf("\n%-38s %6s %8s %8s %7s %8s %9s %6s %7s %6s %4s\n", "round", "killed", "at ms",
              "sched", "queued", "sending", "w/ file", "sent", "unknown", "files", "tmp");
  for (const auto& r : results)
    std::printf("%-38s %6s %8.1f %8zu %7zu %8zu %9zu %6zu %7zu %6zu %4zu\n", r.name.c_str(),
                r.killed ? "yes" : "no", r.at_ms, r.scheduled_left, r.queued, r.sending,
                r.sending_with_file, r.sent, r.unknown, r.files, r.temporaries);
  std::printf("final tick: %s\n", report.dump().c_str());

  for (const auto* s : {&done, &idle_snapshot}) {
    Problems problems;
    check_consistent(*s, problems);
    history.record(*s, problems);
    INFO("after the final ticks:\n" << problems.text());
    CHECK(problems.count() == 0);
  }

  // The kills landed where they were meant to: at least one while steps were being claimed,
  // and at least one while a message was 'sending' with its file already written — a send
  // that completed and was not recorded, the case a resend would duplicate.
  std::size_t claim_kills = 0, send_kills = 0, unconfirmed_kills = 0;
  for (const auto& r : results) {
    claim_kills +=
        r.scheduled_left > 0 && r.scheduled_left < 3 * static_cast<std::size_t>(kProspects);
    send_kills += r.sending > 0;
    unconfirmed_kills += r.sending_with_file > 0;
  }
  std::printf(
      "kills before claiming was done: %zu, mid-send: %zu (with a written, unrecorded "
      "file: %zu)\n",
      claim_kills, send_kills, unconfirmed_kills);
  CHECK(claim_kills >= 1);
  CHECK(send_kills >= 1);
  CHECK(unconfirmed_kills >= 1);

  // Every step is in its final state: the email queued (then sent or unknown), the threaded
  // follow-up queued or excluded for want of an industry, the call an open task. None lost,
  // none left behind.
  {
    Problems problems;
    REQUIRE(done.steps.size() == 3 * static_cast<std::size_t>(kProspects));
    std::set<std::int64_t> enrollments;
    for (const auto& [id, s] : done.steps) {
      enrollments.insert(s.enrollment);
      const int prospect = prospect_index(s.prospect);
      std::string expected = s.position == 3                              ? "open"
                             : s.position == 2 && !has_industry(prospect) ? "excluded"
                                                                          : "queued";
      if (s.state != expected)
        problems.add("step " + std::to_string(id) + " (" + s.prospect + ", position " +
                     std::to_string(s.position) + ") is " + s.state + ", expected " + expected);
      if (expected == "excluded" && s.cause != "missing_field:industry")
        problems.add("step " + std::to_string(id) + " excluded for '" + s.cause + "'");
    }
    CHECK(enrollments.size() == static_cast<std::size_t>(kProspects));
    INFO(problems.text());
    CHECK(problems.count() == 0);
  }

  // One message per email step; each 'sent' (one file) or 'unknown' (in flight at a kill,
  // its file — present or not — exactly as the kill left it).
  CHECK(done.messages.size() == expected_emails);
  std::set<std::int64_t> steps_with_messages;
  for (const auto& [id, m] : done.messages) steps_with_messages.insert(m.step);
  CHECK(steps_with_messages.size() == done.messages.size());
  CHECK(done.count("sent") + done.count("unknown") == expected_emails);
  CHECK(done.count("queued") == 0);
  CHECK(done.count("sending") == 0);
  CHECK(done.count("failed") == 0);

  std::set<std::int64_t> unknown_ids, in_flight_ids;
  std::size_t unknown_with_file = 0;
  for (const auto& [id, m] : done.messages)
    if (m.state == "unknown") {
      unknown_ids.insert(id);
      unknown_with_file += done.has_file(m);
    }
  for (const auto& [id, file] : history.in_flight()) in_flight_ids.insert(id);
  CHECK(unknown_ids == in_flight_ids);  // exactly the messages in flight at some kill
  CHECK(unknown_ids.size() >= 1);

  // The outbox: one file per sent message, the unknown ones' files as the kills left them,
  // and nothing else.
  std::size_t sent_with_file = 0;
  for (const auto& [id, m] : done.messages) sent_with_file += m.state == "sent" && done.has_file(m);
  CHECK(sent_with_file == done.count("sent"));
  CHECK(done.files.size() == done.count("sent") + unknown_with_file);
  CHECK(done.files.size() <= done.messages.size());
  std::printf(
      "messages: %zu sent, %zu unknown (%zu of them with a file); %zu .eml files, %zu "
      "temporary files left by kills\n",
      done.count("sent"), done.count("unknown"), unknown_with_file, done.files.size(),
      done.temporaries);

  // The activity log agrees: one 'sent' event per sent message, one 'unknown' event per
  // recovered message, one 'excluded' event per excluded step.
  {
    SQLite::Database events(db.string(), SQLite::OPEN_READONLY);
    std::map<std::pair<std::string, std::int64_t>, int> per_message;
    std::size_t excluded_events = 0;
    SQLite::Statement q(events, "SELECT type, COALESCE(message_id, 0) FROM events");
    while (q.executeStep()) {
      auto type = q.getColumn(0).getString();
      if (type == "excluded") ++excluded_events;
      if (type == "sent" || type == "unknown") ++per_message[{type, q.getColumn(1).getInt64()}];
    }
    Problems problems;
    for (const auto& [id, m] : done.messages) {
      const int sent = per_message[{"sent", id}], unknown = per_message[{"unknown", id}];
      if (sent != (m.state == "sent" ? 1 : 0))
        problems.add("message " + std::to_string(id) + " (" + m.state + ") has " +
                     std::to_string(sent) + " 'sent' events");
      if (unknown != (m.state == "unknown" ? 1 : 0))
        problems.add("message " + std::to_string(id) + " (" + m.state + ") has " +
                     std::to_string(unknown) + " 'unknown' events");
    }
    INFO(problems.text());
    CHECK(problems.count() == 0);
    CHECK(excluded_events == expected_excluded);
  }

  // And the CLI shows the same: `messages --json` and `tasks --json`.
  {
    auto messages = nlohmann::json::parse(ok({"messages", "--json"}).out);
    REQUIRE(messages.size() == expected_emails);
    std::map<std::string, std::size_t> states;
    for (const auto& m : messages) ++states[m.at("state").get<std::string>()];
    CHECK(states["sent"] == done.count("sent"));
    CHECK(states["unknown"] == done.count("unknown"));
    for (const auto& m : messages)
      if (m.at("state") == "unknown") {
        CHECK(m.at("sent_at").is_null());
        CHECK_THAT(m.at("detail").get<std::string>(), Catch::Contains("not resent"));
        break;
      }
    auto tasks = nlohmann::json::parse(ok({"tasks", "--json", "--now", kNow}).out);
    CHECK(tasks.size() == static_cast<std::size_t>(kProspects));
  }
}
