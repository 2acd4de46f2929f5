// The IDLE watcher against a real Dovecot: new mail reported while idling, IDLE renewed, a
// server without IDLE, and failures retried with backoff and reported without the password.
// No timing assertions: every wait is a generous one for a condition.
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <touchpoint/mail/imap_idle.hpp>

#include "imap_server.hpp"
#include "mail_test_support.hpp"
#include "smtp_server.hpp"

using touchpoint::mail::IdleEvent;
using touchpoint::mail::IdleOptions;
using touchpoint::mail::ImapIdleWatcher;
using touchpoint::mail::ImapSettings;
using touchpoint::mail::test::TempDir;
using touchpoint::testing::ImapServer;
using touchpoint::testing::make_certificate;
using Kind = IdleEvent::Kind;

namespace {

constexpr auto kPatience = std::chrono::seconds(30);

// What a watcher reported, in order, with a wait for the next news.
class Recorder {
 public:
  ImapIdleWatcher::Listener listener() {
    return [this](const IdleEvent& e) {
      std::lock_guard lock(mutex_);
      events_.push_back(e);
      changed_.notify_all();
    };
  }

  // Waits (at most kPatience) until `count` events of `kind` have been reported.
  bool wait_for(Kind kind, std::size_t count = 1) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kPatience, [&] { return count_locked(kind) >= count; });
  }

  std::size_t count(Kind kind) {
    std::lock_guard lock(mutex_);
    return count_locked(kind);
  }

  std::vector<IdleEvent> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  std::size_t count_locked(Kind kind) const {
    std::size_t n = 0;
    for (const auto& e : events_) n += e.kind == kind;
    return n;
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<IdleEvent> events_;
};

ImapSettings settings_for(const ImapServer& server) {
  ImapSettings s;
  s.host = "127.0.0.1";
  s.port = server.port();
  s.tls = ImapSettings::Tls::none;
  s.username = server.username();
  s.password = server.password();
  s.timeout_seconds = 10;
  return s;
}

const std::string kMessage =
    "From: Someone <someone@example.com>\r\nTo: anna@touchpoint.test\r\n"
    "Subject: Hello\r\nMessage-ID: <idle-1@example.com>\r\n\r\nHi\r\n";

}  // namespace

TEST_CASE("an IDLE watcher reports new mail that arrives while it idles", "[net]") {
  ImapServer server;
  Recorder recorder;
  ImapIdleWatcher watcher(settings_for(server), recorder.listener());
  REQUIRE(recorder.wait_for(Kind::idling));
  CHECK(recorder.count(Kind::new_mail) == 0);  // an empty folder: nothing to report yet

  server.append(kMessage);
  REQUIRE(recorder.wait_for(Kind::new_mail));
  // Still idling on the same connection: a second message is reported too.
  server.append(kMessage);
  REQUIRE(recorder.wait_for(Kind::new_mail, 2));
  CHECK(recorder.count(Kind::failed) == 0);
  CHECK(recorder.count(Kind::idling) == 1);
}

TEST_CASE("an IDLE watcher renews IDLE and reports each renewal as a fetch to make", "[net]") {
  ImapServer server;
  Recorder recorder;
  IdleOptions options;
  options.refresh = std::chrono::seconds(1);  // RFC 2177 asks for under 30 minutes
  ImapIdleWatcher watcher(settings_for(server), recorder.listener(), options);
  REQUIRE(recorder.wait_for(Kind::refresh, 2));
  // Renewed with DONE and IDLE on the same session, which still reports new mail.
  server.append(kMessage);
  REQUIRE(recorder.wait_for(Kind::new_mail));
  CHECK(recorder.count(Kind::failed) == 0);
  CHECK(recorder.count(Kind::idling) == 1);
}

TEST_CASE("an IDLE watcher says so and ends when the server does not offer IDLE", "[net]") {
  ImapServer server("anna", "imap-secret", ImapServer::Idle::not_offered);
  Recorder recorder;
  {
    ImapIdleWatcher watcher(settings_for(server), recorder.listener());
    REQUIRE(recorder.wait_for(Kind::not_offered));
  }
  const auto events = recorder.events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].detail.find("does not offer IDLE") != std::string::npos);
}

TEST_CASE("an IDLE watcher reports a failed login without the password and retries", "[net]") {
  ImapServer server;
  auto settings = settings_for(server);
  settings.password = "wrong-secret-4711";
  Recorder recorder;
  IdleOptions options;
  options.first_backoff = std::chrono::milliseconds(10);
  options.max_backoff = std::chrono::milliseconds(40);
  {
    ImapIdleWatcher watcher(settings, recorder.listener(), options);
    REQUIRE(recorder.wait_for(Kind::failed, 3));
  }
  const auto events = recorder.events();
  for (const auto& e : events) {
    INFO(e.detail);
    CHECK(e.kind == Kind::failed);
    CHECK(e.detail.starts_with("auth: "));
    CHECK(e.detail.find("wrong-secret-4711") == std::string::npos);
  }
  // The backoff doubles up to its ceiling.
  CHECK(events[0].detail.ends_with("trying again in 10 ms"));
  CHECK(events[1].detail.ends_with("trying again in 20 ms"));
  CHECK(events[2].detail.ends_with("trying again in 40 ms"));
}

TEST_CASE("an IDLE watcher keeps trying a server that is not there, and stops when asked",
          "[net]") {
  std::uint16_t port = 0;
  {
    ImapServer gone;  // a port that was just free and now has nothing behind it
    port = gone.port();
  }
  ImapSettings settings;
  settings.host = "127.0.0.1";
  settings.port = port;
  settings.tls = ImapSettings::Tls::none;
  settings.username = "anna";
  settings.password = "imap-secret";
  Recorder recorder;
  IdleOptions options;
  options.first_backoff = std::chrono::milliseconds(10);
  {
    ImapIdleWatcher watcher(settings, recorder.listener(), options);
    REQUIRE(recorder.wait_for(Kind::failed, 2));
  }
  const auto events = recorder.events();
  CHECK(events.front().detail.starts_with("imap 127.0.0.1: cannot connect"));
  CHECK(recorder.count(Kind::idling) == 0);
}

TEST_CASE("an IDLE watcher set for implicit TLS reports a plain-text server as a TLS failure",
          "[net]") {
  // Dovecot here speaks plain IMAP: the handshake fails on its greeting.
  ImapServer server;
  auto settings = settings_for(server);
  settings.tls = ImapSettings::Tls::implicit;
  Recorder recorder;
  IdleOptions options;
  options.first_backoff = std::chrono::milliseconds(10);
  {
    ImapIdleWatcher watcher(settings, recorder.listener(), options);
    REQUIRE(recorder.wait_for(Kind::failed));
  }
  const auto events = recorder.events();
  CHECK(events.front().detail.starts_with("tls: "));
  CHECK(recorder.count(Kind::idling) == 0);
}

TEST_CASE("an IDLE watcher over STARTTLS or implicit TLS trusts exactly the configured CA file",
          "[net]") {
  TempDir dir;
  const auto certificate = make_certificate(dir.path());
  ImapServer server("anna", "imap-secret", ImapServer::Idle::offered, certificate);
  auto settings = settings_for(server);
  IdleOptions options;
  options.first_backoff = std::chrono::milliseconds(10);

  SECTION("STARTTLS with the CA file idles and reports new mail") {
    settings.tls = ImapSettings::Tls::starttls;
    settings.ca_file = certificate.cert;
    Recorder recorder;
    ImapIdleWatcher watcher(settings, recorder.listener(), options);
    REQUIRE(recorder.wait_for(Kind::idling));
    server.append(kMessage);
    REQUIRE(recorder.wait_for(Kind::new_mail));
    CHECK(recorder.count(Kind::failed) == 0);
  }
  SECTION("implicit TLS with the CA file idles") {
    settings.tls = ImapSettings::Tls::implicit;
    settings.port = server.tls_port();
    settings.ca_file = certificate.cert;
    Recorder recorder;
    ImapIdleWatcher watcher(settings, recorder.listener(), options);
    REQUIRE(recorder.wait_for(Kind::idling));
    CHECK(recorder.count(Kind::failed) == 0);
  }
  SECTION("without the CA file the self-signed certificate is refused") {
    settings.tls = ImapSettings::Tls::starttls;
    Recorder recorder;
    {
      ImapIdleWatcher watcher(settings, recorder.listener(), options);
      REQUIRE(recorder.wait_for(Kind::failed));
    }
    const auto events = recorder.events();
    INFO(events.front().detail);
    CHECK(events.front().detail.starts_with("tls: server certificate not trusted"));
    CHECK(recorder.count(Kind::idling) == 0);
  }
}
