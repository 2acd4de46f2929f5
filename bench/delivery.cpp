// bench_delivery: N due, personalised emails (default 100,000: text + HTML, about 4 KB, five
// merge fields, tracking on) delivered into postfix's smtp-sink, three ways in one run:
//
//   ours:    the engine's real path on a fresh copy of the database: Engine::claim_due (claim,
//            render into the outgoing queue) then Engine::send_queued (each message marked
//            `sending`, built with MIME, submitted over SMTP through the rep's mailbox, its
//            outcome committed), with `--connections` SMTP connections to the one mailbox;
//            then, on another fresh copy, Engine::tick, which claims and sends at once.
//   peer:    nodemailer (bench/delivery_nodemailer.js) with a pool of 20 connections, sending
//            the same rendered messages (subject, HTML, text, headers), read before its timer.
//   ceiling: `smtp-source -d -s 20 -l 4096 -m N`: postfix's own load generator.
//
// Each side gets its own smtp-sink on a fresh port, and every run checks that the sink counted
// exactly N messages (and, for ours, that the database holds N `sent` messages). Runs alternate
// ours / peer / ceiling; medians are reported. The send rate (send_queued) is the figure set
// against the peer and the ceiling, which also start from rendered messages; the rate of the
// whole tick (claim, render and send: Engine::tick) is set against them beside it.

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include <touchpoint/engine/engine.hpp>
#include <touchpoint/engine/enroller.hpp>
#include <touchpoint/mail/mailbox_router.hpp>
#include <touchpoint/mail/mime.hpp>
#include <touchpoint/mail/smtp_transport.hpp>

#include "support.hpp"

extern char** environ;

namespace touchpoint::bench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr double kPeerTarget = 8.0;
constexpr double kCeilingTarget = 0.7;
constexpr int kPeerPool = 20;  // nodemailer's maxConnections, and smtp-source's sessions
constexpr const char* kStart = "2026-03-02T12:00:00Z";  // a Monday
constexpr const char* kNow = "2026-03-04T00:00:00Z";    // every first step is due by then

// Five merge fields (first_name, last_name, company, industry, sender.first_name) in a body that
// makes a message of about 4 KB once its text part and headers are added.
constexpr const char* kSequence = R"({
  "name": "Bench - delivery",
  "timezone": "prospect",
  "skip_weekends": true,
  "window": {"from": "08:00", "to": "18:00"},
  "steps": [
    {"day": 1, "type": "email", "send": {"mode": "choose_at_start"},
     "template": {"subject": "{{first_name}}, a question about follow-ups at {{company}}",
                  "body": "<p>Hi {{first_name}} {{last_name}},</p><p>Teams in {{industry}} like {{company}} tell us the hardest part of outbound is not the first email but the fifth: remembering who was promised a call back, whose out-of-office ends on Monday, and which thread went quiet after a pricing question. We built Touchpoint so that none of that depends on memory.</p><p>Every step of a sequence is sent in the prospect's own time zone, inside the hours you choose, and never on a holiday you told it about. Replies end the sequence by themselves; out-of-office answers pause it until the person is back; bounces stop it before your domain's reputation pays for it.</p><ul><li>Calls and LinkedIn touches land in your task queue on the right day.</li><li>Threaded follow-ups quote exactly what was sent, not the template.</li><li>Opens and clicks from privacy proxies are marked, so the numbers stay honest.</li></ul><p>If {{company}} sends more than a few hundred emails a week, a <a href=\"https://touchpoint.test/tour\">two-minute tour</a> shows how it works with your own templates, or you can read <a href=\"https://touchpoint.test/customers/logistics\">how a logistics team doubled its reply rate</a> in one quarter.</p><p>Would Thursday or Friday suit you for fifteen minutes, {{first_name}}?</p><p>Best regards,<br>{{sender.first_name}}<br>Touchpoint &middot; Stockholm</p>"}},
    {"day": 4, "type": "call", "note": "Call {{first_name}}"}
  ]
})";

struct Settings {
  std::size_t messages = 100000;
  int reps = 3;
  std::size_t connections = 20;  // SMTP connections to the rep's mailbox
  std::size_t window = 200;      // EngineConfig::send_group: the most in flight at once
  std::string sides = "ours,peer,ceiling";
  std::string node = "node";
  std::string sink = "/usr/sbin/smtp-sink";
  std::string source = "/usr/sbin/smtp-source";
  core::Timestamp start{};
  core::Timestamp now{};
};

std::int64_t count(const fs::path& db_path, const std::string& sql) {
  SQLite::Database db(db_path.string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(db, sql);
  require(q.executeStep(), "no row from " + sql);
  return q.getColumn(0).getInt64();
}

// A loopback port free a moment ago.
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  require(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0, "bind a free port");
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// Starts `argv` with stdout and stderr going to `output`. Throws BenchFailure when it cannot.
pid_t spawn(const std::vector<std::string>& argv, const fs::path& output) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  require(rc == 0, "cannot start " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// postfix's smtp-sink on a fresh loopback port, counting the messages it accepts (-c).
class Sink {
 public:
  Sink(const Settings& s, const fs::path& dir) : output_(dir / "smtp-sink.out") {
    port_ = free_port();
    std::vector<std::string> argv{s.sink, "-c"};
    if (::geteuid() == 0) argv.insert(argv.end(), {"-u", "nobody"});  // required as root
    argv.insert(argv.end(), {"127.0.0.1:" + std::to_string(port_), "1024"});
    pid_ = spawn(argv, output_);
    for (int i = 0; i < 500 && !accepts(port_); ++i) std::this_thread::sleep_for(10ms);
    require(accepts(port_), "smtp-sink does not listen: " + slurp(output_));
  }
  ~Sink() {
    ::kill(pid_, SIGTERM);
    wait_exit(pid_);
  }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  std::uint16_t port() const { return port_; }

  // The messages accepted so far: the last "mesg=N" of its running counters.
  std::int64_t received() const {
    const std::string out = slurp(output_);
    const auto at = out.rfind("mesg=");
    return at == std::string::npos ? 0 : std::stoll(out.substr(at + 5));
  }

  // Waits (up to 10 s, for the counter to be written) until it has `n`; returns the count.
  std::int64_t wait_for(std::int64_t n) const {
    for (int i = 0; i < 1000 && received() < n; ++i) std::this_thread::sleep_for(10ms);
    return received();
  }

 private:
  fs::path output_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

engine::EngineConfig engine_config(const Settings& s) {
  engine::EngineConfig config;
  config.public_url = "https://touch.example.com";
  config.tracking_secret = "bench-tracking-secret-0123456789";
  config.send_group = s.window;
  config.send_workers = s.connections;
  return config;  // no limits: the benchmark's one mailbox is not throttled
}

// The base database: N prospects enrolled, each with its first step (the email) due.
void build_base_db(const Settings& s, const fs::path& path) {
  auto sequence = build_base(path, kSequence, s.messages, s.start);
  {
    auto store = store::open_sqlite_store(path);
    engine::EnrollOptions options;
    options.start = s.start;
    auto enrolled = engine::enroll(*store, sequence, store->prospects().list({}), options);
    require(enrolled && enrolled->enrolled == static_cast<int>(s.messages), "setup: cannot enroll");
  }
  checkpoint(path);
}

// The peer's input: the rendered messages as claimed by the engine, one JSON object a line.
// Returns the size of the first message as ours builds it.
std::size_t export_rendered(const Settings& s, const fs::path& base, const fs::path& scratch,
                            const fs::path& out) {
  copy_database(base, scratch);
  std::size_t size = 0;
  {
    auto store = store::open_sqlite_store(scratch);
    engine::Engine engine(*store, nullptr, engine_config(s));
    auto report = engine.claim_due(s.now);
    require(report.messages_queued == s.messages, "export: wrong number of messages queued");
    std::ofstream file(out, std::ios::binary);
    for (auto& stored : store->messages().list(std::nullopt)) {
      auto& m = stored.message;
      m.date = s.now;
      if (size == 0) size = mail::build_mime(m).size();
      nlohmann::json j;
      j["messageId"] = "<" + m.message_id + ">";
      j["from"] = {{"name", m.from_name}, {"address", m.from_email}};
      j["to"] = {{"name", m.to_name}, {"address", m.to_email}};
      j["subject"] = m.subject;
      j["html"] = m.html;
      j["text"] = mail::html_to_text(m.html);
      j["unsubscribe"] = {m.unsubscribe_url, m.unsubscribe_mailto};
      file << j.dump() << '\n';
    }
    require(file.good(), "export: cannot write " + out.string());
  }
  remove_database(scratch);
  return size;
}

struct OursRun {
  double claim_seconds = 0;
  double send_seconds = 0;
  double send_cpu_seconds = 0;  // this process's user + system time while sending
  double tick_seconds = 0;      // Engine::tick, on its own copy
};

// Phases: claim_due, then send_queued, each timed; otherwise one Engine::tick.
enum class OursMode { phases, tick };

void run_ours(const Settings& s, const fs::path& base, const fs::path& db, const fs::path& dir,
              OursMode mode, OursRun& run) {
  copy_database(base, db);
  Sink sink(s, dir);
  {
    auto store = store::open_sqlite_store(db, {.checkpoint_in_background = true});  // as the app
    mail::SmtpSettings smtp;
    smtp.host = "127.0.0.1";
    smtp.port = sink.port();
    smtp.tls = mail::SmtpSettings::Tls::none;
    smtp.connections = s.connections;
    mail::MailboxRouter router;
    router.add(kRepEmail, std::make_unique<mail::SmtpTransport>(smtp));
    engine::Engine engine(*store, &router, engine_config(s));
    engine.recover(s.now);

    if (mode == OursMode::tick) {
      Stopwatch tick;
      auto report = engine.tick(s.now);
      run.tick_seconds = tick.seconds();
      require(report.messages_queued == s.messages && report.sent == s.messages,
              "ours: the tick queued " + std::to_string(report.messages_queued) + " and sent " +
                  std::to_string(report.sent) + ", expected " + std::to_string(s.messages));
    } else {
      Stopwatch claim;
      auto claimed = engine.claim_due(s.now);
      run.claim_seconds = claim.seconds();
      const double cpu_before = cpu_seconds();
      Stopwatch send;
      auto sent = engine.send_queued(s.now);
      run.send_seconds = send.seconds();
      run.send_cpu_seconds = cpu_seconds() - cpu_before;
      require(claimed.messages_queued == s.messages, "ours: wrong number of messages queued");
      require(sent.sent == s.messages, "ours: sent " + std::to_string(sent.sent) + " (" +
                                           std::to_string(sent.deferred) + " deferred, " +
                                           std::to_string(sent.failed) + " failed), expected " +
                                           std::to_string(s.messages));
    }
  }
  const auto n = static_cast<std::int64_t>(s.messages);
  require(count(db, "SELECT count(*) FROM messages WHERE state = 'sent'") == n,
          "ours: the database does not hold N sent messages");
  require(sink.wait_for(n) == n,
          "ours: smtp-sink received " + std::to_string(sink.received()) + " messages");
  remove_database(db);
}

double run_peer(const Settings& s, const fs::path& rendered, const fs::path& dir) {
  Sink sink(s, dir);
  const fs::path out = dir / "nodemailer.out";
  const pid_t pid = spawn({s.node, TOUCHPOINT_BENCH_DIR "/delivery_nodemailer.js", "--port",
                           std::to_string(sink.port()), "--messages", rendered.string(), "--pool",
                           std::to_string(kPeerPool)},
                          out);
  const int rc = wait_exit(pid);
  const std::string text = slurp(out);
  require(rc == 0, "peer: nodemailer failed: " + text);
  // Its last line: {"sent": N, "seconds": S}
  const auto line = text.substr(text.rfind('{'));
  const auto j = nlohmann::json::parse(line);
  const auto n = static_cast<std::int64_t>(s.messages);
  require(j.at("sent").get<std::int64_t>() == n, "peer: nodemailer sent " + line);
  require(sink.wait_for(n) == n,
          "peer: smtp-sink received " + std::to_string(sink.received()) + " messages");
  return j.at("seconds").get<double>();
}

double run_ceiling(const Settings& s, const fs::path& dir) {
  Sink sink(s, dir);
  const auto n = static_cast<std::int64_t>(s.messages);
  Stopwatch timer;
  const pid_t pid = spawn({s.source, "-d", "-s", std::to_string(kPeerPool), "-l", "4096", "-m",
                           std::to_string(n), "127.0.0.1:" + std::to_string(sink.port())},
                          dir / "smtp-source.out");
  const int rc = wait_exit(pid);
  const double seconds = timer.seconds();
  require(rc == 0, "ceiling: smtp-source failed: " + slurp(dir / "smtp-source.out"));
  require(sink.wait_for(n) == n,
          "ceiling: smtp-sink received " + std::to_string(sink.received()) + " messages");
  return seconds;
}

bool wanted(const Settings& s, const char* side) {
  std::stringstream list(s.sides);
  for (std::string item; std::getline(list, item, ',');)
    if (item == side) return true;
  return false;
}

int run(int argc, char** argv) {
  Flags flags(argc, argv);
  flags.only({"messages", "reps", "connections", "window", "sides", "node", "dir", "malloc"});
  Settings s;
  s.messages = static_cast<std::size_t>(flags.count("messages", 100000));
  s.reps = static_cast<int>(flags.count("reps", 3));
  s.connections = static_cast<std::size_t>(flags.count("connections", 20));
  s.window = static_cast<std::size_t>(flags.count("window", 200));
  s.sides = flags.text("sides").value_or(s.sides);
  s.node = flags.text("node").value_or(s.node);
  s.start = instant(kStart);
  s.now = instant(kNow);
  const std::string malloc_mode = set_malloc_mode(flags.text("malloc").value_or("steady"));
  ScratchDir dir(flags.text("dir"));
  const auto n = static_cast<double>(s.messages);

  std::printf("delivery: %s due personalised emails into postfix's smtp-sink\n",
              with_thousands(n).c_str());
  std::printf(
      "  ours:    Engine::claim_due + send_queued, then Engine::tick; %zu SMTP connections, %zu "
      "in flight at most\n"
      "  peer:    nodemailer, pool of %d connections, the same rendered messages\n"
      "  ceiling: smtp-source -d -s %d -l 4096\n  malloc: %s\n  %u hardware threads; dir %s\n\n",
      s.connections, s.window, kPeerPool, kPeerPool, malloc_mode.c_str(),
      std::thread::hardware_concurrency(), dir.path().c_str());
  std::fflush(stdout);

  const auto base = dir.database("delivery-base.db");
  const auto ours_db = dir.database("delivery-ours.db");
  const auto rendered = dir.path() / "rendered.jsonl";
  Stopwatch setup;
  run_in_child([&] {
    build_base_db(s, base);
    return Figures{};
  });
  const std::size_t size = export_rendered(s, base, ours_db, rendered);
  std::printf(
      "  setup: %s enrollments, rendered messages exported, in %.1f s; a message is %zu "
      "bytes\n",
      with_thousands(n).c_str(), setup.seconds(), size);
  std::fflush(stdout);

  std::vector<double> send_rates, tick_rates, peer_rates, ceiling_rates;
  for (int rep = 1; rep <= s.reps; ++rep) {
    if (wanted(s, "ours")) {
      OursRun o;
      run_ours(s, base, ours_db, dir.path(), OursMode::phases, o);
      send_rates.push_back(n / o.send_seconds);
      std::printf(
          "%4d  ours     send %7.3f s %9s msg/s   (%.0f us CPU a message; claim before it "
          "%6.3f s)\n",
          rep, o.send_seconds, with_thousands(send_rates.back()).c_str(),
          o.send_cpu_seconds / n * 1e6, o.claim_seconds);
      std::fflush(stdout);
      run_ours(s, base, ours_db, dir.path(), OursMode::tick, o);
      tick_rates.push_back(n / o.tick_seconds);
      std::printf("%4d  ours     tick %7.3f s %9s msg/s   (claim, render and send at once)\n", rep,
                  o.tick_seconds, with_thousands(tick_rates.back()).c_str());
      std::fflush(stdout);
    }
    if (wanted(s, "peer")) {
      const double seconds = run_peer(s, rendered, dir.path());
      peer_rates.push_back(n / seconds);
      std::printf("%4d  peer     send %7.3f s %9s msg/s\n", rep, seconds,
                  with_thousands(peer_rates.back()).c_str());
      std::fflush(stdout);
    }
    if (wanted(s, "ceiling")) {
      const double seconds = run_ceiling(s, dir.path());
      ceiling_rates.push_back(n / seconds);
      std::printf("%4d  ceiling send %7.3f s %9s msg/s\n", rep, seconds,
                  with_thousands(ceiling_rates.back()).c_str());
      std::fflush(stdout);
    }
  }
  std::error_code ec;
  fs::remove(rendered, ec);

  std::printf("\nmedians of %d runs (messages/s)\n", s.reps);
  if (!send_rates.empty()) {
    const double ours = median(send_rates), tick = median(tick_rates);
    std::printf("  ours (send_queued)          %9s\n", with_thousands(ours).c_str());
    std::printf("  ours (whole tick: Engine::tick) %5s\n", with_thousands(tick).c_str());
    if (!peer_rates.empty()) {
      const double peer = median(peer_rates);
      std::printf(
          "  peer (nodemailer pool 20)   %9s   ours/peer %.2f (target >= %.0f: %s); "
          "whole tick/peer %.2f\n",
          with_thousands(peer).c_str(), ours / peer, kPeerTarget,
          ours / peer >= kPeerTarget ? "met" : "MISSED", tick / peer);
    }
    if (!ceiling_rates.empty()) {
      const double ceiling = median(ceiling_rates);
      std::printf(
          "  ceiling (smtp-source -s 20) %9s   ours/ceiling %.2f (target >= %.1f: %s); "
          "whole tick/ceiling %.2f\n",
          with_thousands(ceiling).c_str(), ours / ceiling, kCeilingTarget,
          ours / ceiling >= kCeilingTarget ? "met" : "MISSED", tick / ceiling);
    }
  }
  return 0;
}

}  // namespace
}  // namespace touchpoint::bench

int main(int argc, char** argv) {
  return touchpoint::bench::bench_main(
      "bench_delivery",
      "[--messages N] [--reps R] [--connections C] [--window W] [--sides ours,peer,ceiling] "
      "[--node PATH] [--dir PATH] [--malloc steady|default]",
      touchpoint::bench::run, argc, argv);
}
