// serve's inbound mail (InboundWatch) against a real Dovecot: with IDLE, a reply APPENDed while
// the watcher idles ends its enrollment on the next engine tick, with no interval poll; without
// IDLE, the interval poll finds it. No timing assertions: generous waits for conditions.
#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <touchpoint/store/store.hpp>

#include "cli_fixture.hpp"
#include "config.hpp"
#include "inbound_poller.hpp"
#include "mailbox_setup.hpp"

using touchpoint::app::InboundWatch;
using touchpoint::app::InboundWatchOptions;
using touchpoint::app::MailboxPoll;
using touchpoint::testing::CliFixture;
using touchpoint::testing::fixture_with;
using touchpoint::testing::ImapServer;
using touchpoint::testing::SmtpServer;
using touchpoint::testing::write_mailbox_config;

namespace {

constexpr auto kPatience = std::chrono::seconds(60);
const std::string kMailbox = "rep.anna@touchpoint.test/INBOX";

// The reply fixture, answering `sent_id`.
std::string reply_to(const std::string& sent_id) {
  return fixture_with("reply.eml", "tp.1.1.8f3a2c@touchpoint.test", sent_id);
}

// Anna's mailbox sends to a local SMTP server and reads the Dovecot folder; her first emails
// have gone out.
struct Sent {
  std::string to_asa;  // the Message-ID sent to Åsa
  touchpoint::app::Config config;
  std::unique_ptr<touchpoint::store::Store> store;
};
Sent set_up(CliFixture& cli, const SmtpServer& smtp, const ImapServer& imap) {
  const auto path = write_mailbox_config(cli, smtp, imap);
  auto first = cli.send_first_emails({"--config", path.string()});
  REQUIRE(first.count("asa.lindstrom@nordvik.se") == 1);
  auto config = touchpoint::app::load_config(path);
  REQUIRE(config);
  return {first["asa.lindstrom@nordvik.se"], std::move(*config),
          touchpoint::store::open_sqlite_store(cli.db())};
}

std::string state_of(touchpoint::store::Store& store, const std::string& email) {
  auto p = store.prospects().find(email);
  if (!p) return "";
  for (const auto& e : store.enrollments().list({std::nullopt, p->id}))
    return touchpoint::core::to_string(e.state);
  return "";
}

// The log lines the watch wrote, kept for the assertions.
struct Log {
  std::mutex mutex;
  std::vector<std::string> lines;
  std::function<void(const std::string&)> sink() {
    return [this](const std::string& line) {
      std::lock_guard lock(mutex);
      lines.push_back(line);
    };
  }
  bool has(const std::string& text) {
    std::lock_guard lock(mutex);
    for (const auto& l : lines)
      if (l.find(text) != std::string::npos) return true;
    return false;
  }
};

// Calls poll_due as serve's engine does after each tick (here every 100 ms) until
// `done(polls so far)`, or kPatience passes; returns every poll that read something.
template <typename Done>
std::vector<MailboxPoll> tick_until(InboundWatch& watch, touchpoint::store::Store& store,
                                    Done done) {
  std::vector<MailboxPoll> polls;
  const auto give_up = std::chrono::steady_clock::now() + kPatience;
  while (!done(polls) && std::chrono::steady_clock::now() < give_up) {
    for (auto& p : watch.poll_due(store, *touchpoint::core::parse_instant("2026-03-04T10:00:00Z")))
      polls.push_back(std::move(p));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return polls;
}

}  // namespace

TEST_CASE("serve's inbound watch: a reply that arrives during IDLE ends the enrollment at once",
          "[e2e][net]") {
  SmtpServer smtp;
  ImapServer imap;
  CliFixture cli;
  auto [sent, config, store] = set_up(cli, smtp, imap);

  Log log;
  InboundWatchOptions options;
  options.poll_interval = std::chrono::hours(1);  // no interval poll within this test
  options.log = log.sink();
  InboundWatch watch(config, options);
  // The first read, then the watcher reaches IDLE.
  auto before = tick_until(watch, *store, [&](auto&) { return watch.idling(kMailbox); });
  REQUIRE(watch.idling(kMailbox));
  REQUIRE(!before.empty());
  CHECK(before.front().reason == "first");
  CHECK(log.has("rep.anna@touchpoint.test/INBOX: IDLE"));
  REQUIRE(state_of(*store, "asa.lindstrom@nordvik.se") == "active");

  imap.append(reply_to(sent));
  auto polls = tick_until(watch, *store, [&](auto&) {
    return state_of(*store, "asa.lindstrom@nordvik.se") != "active";
  });
  CHECK(state_of(*store, "asa.lindstrom@nordvik.se") == "exited");
  // The read that acted on the reply was woken by IDLE; no poll ran on the interval.
  std::size_t replies = 0;
  for (const auto& p : polls) {
    INFO(p.reason << " " << p.error);
    CHECK(p.error.empty());
    CHECK(p.reason != "interval");
    for (const auto& o : p.outcomes) {
      if (o.kind != "reply") continue;
      ++replies;
      CHECK(p.reason == "idle");
      CHECK(o.action == "exited");
    }
  }
  CHECK(replies == 1);
}

TEST_CASE("serve's inbound watch falls back to polling when the server does not offer IDLE",
          "[e2e][net]") {
  SmtpServer smtp;
  ImapServer imap("anna", "imap-secret", ImapServer::Idle::not_offered);
  CliFixture cli;
  auto [sent, config, store] = set_up(cli, smtp, imap);

  Log log;
  InboundWatchOptions options;
  options.poll_interval = std::chrono::seconds(1);
  options.log = log.sink();
  InboundWatch watch(config, options);
  tick_until(watch, *store, [&](auto&) { return log.has("does not offer IDLE"); });
  REQUIRE(
      log.has("rep.anna@touchpoint.test/INBOX: imap 127.0.0.1: the server does not offer "
              "IDLE; polling every 1 s"));
  CHECK_FALSE(watch.idling(kMailbox));

  imap.append(reply_to(sent));
  auto polls = tick_until(watch, *store, [&](auto&) {
    return state_of(*store, "asa.lindstrom@nordvik.se") != "active";
  });
  CHECK(state_of(*store, "asa.lindstrom@nordvik.se") == "exited");
  std::size_t replies = 0;
  for (const auto& p : polls) {
    CHECK(p.reason != "idle");
    for (const auto& o : p.outcomes) {
      if (o.kind != "reply") continue;
      ++replies;
      CHECK(p.reason == "interval");
    }
  }
  CHECK(replies == 1);
}

TEST_CASE("serve's inbound watch logs a failing IMAP server and keeps polling it", "[e2e][net]") {
  SmtpServer smtp;
  std::optional<ImapServer> imap(std::in_place);
  CliFixture cli;
  auto [sent, config, store] = set_up(cli, smtp, *imap);
  imap.reset();  // the server goes away before serve starts

  Log log;
  InboundWatchOptions options;
  options.poll_interval = std::chrono::milliseconds(200);
  options.idle_options.first_backoff = std::chrono::milliseconds(50);
  options.log = log.sink();
  InboundWatch watch(config, options);
  auto failed_reads = [](const std::vector<MailboxPoll>& polls) {
    std::size_t n = 0;
    for (const auto& p : polls) n += !p.error.empty();
    return n;
  };
  auto polls = tick_until(watch, *store, [&](const std::vector<MailboxPoll>& so_far) {
    return failed_reads(so_far) >= 2 && log.has("IDLE: imap 127.0.0.1: cannot connect");
  });
  CHECK(log.has("rep.anna@touchpoint.test/INBOX: IDLE: imap 127.0.0.1: cannot connect"));
  CHECK(log.has("polling every 200 ms meanwhile"));
  CHECK(failed_reads(polls) >= 2);  // the reads are retried on the interval, each error reported
  CHECK_FALSE(watch.idling(kMailbox));
}
