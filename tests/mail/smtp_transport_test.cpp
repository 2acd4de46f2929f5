#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <touchpoint/mail/mime.hpp>
#include <touchpoint/mail/smtp_transport.hpp>

#include "mail_test_support.hpp"
#include "smtp_server.hpp"

namespace fs = std::filesystem;
using touchpoint::core::OutgoingMessage;
using touchpoint::core::SendStatus;
using touchpoint::mail::build_mime;
using touchpoint::mail::SmtpSettings;
using touchpoint::mail::SmtpTransport;
using touchpoint::mail::test::korean_follow_up;
using touchpoint::mail::test::parse_with_python;
using touchpoint::mail::test::TempDir;
using touchpoint::testing::make_certificate;
using touchpoint::testing::SmtpServer;
using ServerOptions = touchpoint::testing::SmtpServerOptions;

namespace {

std::string str(const nlohmann::json& j) {
  return j.get<std::string>();
}

SmtpSettings plain_settings(std::uint16_t port) {
  SmtpSettings s;
  s.host = "127.0.0.1";
  s.port = port;
  s.tls = SmtpSettings::Tls::none;
  return s;
}

OutgoingMessage to_recipient(const std::string& address, int n = 1) {
  auto m = korean_follow_up();
  m.to_email = address;
  m.message_id = "tp." + std::to_string(n) + ".5e7d@touch.example.com";
  return m;
}

// A loopback port nothing listens on: bound, then released.
std::uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

TEST_CASE("a Korean/Swedish follow-up arrives over SMTP byte for byte, names and subject intact",
          "[net]") {
  SmtpServer server;
  SmtpTransport transport(plain_settings(server.port()));
  const auto message = korean_follow_up();

  const auto outcome = transport.send(message);
  INFO(outcome.detail);
  REQUIRE(outcome.status == SendStatus::sent);
  CHECK(outcome.detail == "250 2.0.0 Queued as 1");  // the server's own reply

  const auto received = server.messages();
  REQUIRE(received.size() == 1);
  CHECK(received[0] == build_mime(message));
  const auto parsed = parse_with_python(received[0]);
  INFO(parsed.dump(2));
  CHECK(parsed["defects"].empty());
  CHECK(str(parsed["headers"]["Subject"]) == message.subject);
  CHECK(str(parsed["from"][0]["name"]) == "Åsa Lindström");
  CHECK(str(parsed["from"][0]["address"]) == "asa.lindstrom@touchpoint.test");
  CHECK(str(parsed["to"][0]["name"]) == "김민준");
  CHECK(str(parsed["to"][0]["address"]) == "minjun.kim@example.kr");
  CHECK(str(parsed["headers"]["Message-ID"]) == "<tp.41.9f3a@touch.example.com>");
}

TEST_CASE("several messages go over one SMTP connection", "[net]") {
  SmtpServer server;
  SmtpTransport transport(plain_settings(server.port()));
  for (int n = 1; n <= 5; ++n) {
    const auto outcome = transport.send(to_recipient("minjun.kim@example.kr", n));
    INFO(outcome.detail);
    REQUIRE(outcome.status == SendStatus::sent);
  }
  const auto ports = server.client_ports();
  REQUIRE(ports.size() == 5);
  CHECK(std::set<int>(ports.begin(), ports.end()).size() == 1);
}

// send_batch's outcomes, by index; each index must be reported exactly once.
std::vector<touchpoint::core::SendOutcome> send_batch(SmtpTransport& transport,
                                                      const std::vector<OutgoingMessage>& batch) {
  std::vector<std::optional<touchpoint::core::SendOutcome>> got(batch.size());
  transport.send_batch(batch, [&](std::size_t i, touchpoint::core::SendOutcome outcome) {
    REQUIRE(i < got.size());
    REQUIRE_FALSE(got[i].has_value());
    got[i] = std::move(outcome);
  });
  std::vector<touchpoint::core::SendOutcome> out;
  for (auto& o : got) {
    REQUIRE(o.has_value());
    out.push_back(std::move(*o));
  }
  return out;
}

TEST_CASE("a batch to a pipelining server takes one round trip a message", "[net]") {
  ServerOptions options;
  options.pipelining = true;
  SmtpServer server(options);
  SmtpTransport transport(plain_settings(server.port()));
  std::vector<OutgoingMessage> batch;
  for (int n = 1; n <= 5; ++n) batch.push_back(to_recipient("minjun.kim@example.kr", n));
  batch[2].html = "<p>Hi</p>\n.one\n..two\n.\n";  // dots doubled on the wire, even mid-batch
  const auto outcomes = send_batch(transport, batch);
  for (const auto& o : outcomes) {
    INFO(o.detail);
    CHECK(o.status == SendStatus::sent);
  }
  const auto received = server.messages();
  REQUIRE(received.size() == 5);
  for (std::size_t i = 0; i < 5; ++i) CHECK(received[i] == build_mime(batch[i]));
  const auto ports = server.client_ports();
  CHECK(std::set<int>(ports.begin(), ports.end()).size() == 1);
  // Each message's final "." went out with the next message's envelope; the last had none.
  CHECK(server.next_mail_pipelined() == std::vector<bool>{true, true, true, true, false});
}

TEST_CASE("without PIPELINING a batch goes one message at a time", "[net]") {
  SmtpServer server;  // does not announce PIPELINING
  SmtpTransport transport(plain_settings(server.port()));
  std::vector<OutgoingMessage> batch;
  for (int n = 1; n <= 3; ++n) batch.push_back(to_recipient("minjun.kim@example.kr", n));
  for (const auto& o : send_batch(transport, batch)) CHECK(o.status == SendStatus::sent);
  CHECK(server.messages().size() == 3);
  CHECK(server.next_mail_pipelined() == std::vector<bool>{false, false, false});
}

TEST_CASE("in a pipelined batch each refusal or lost reply decides only its own message", "[net]") {
  ServerOptions options;
  options.pipelining = true;
  SmtpServer server(options);
  SmtpTransport transport(plain_settings(server.port()));
  std::vector<OutgoingMessage> batch = {
      to_recipient("minjun.kim@example.kr", 1), to_recipient("reject@example.kr", 2),
      to_recipient("temp-fail@example.kr", 3),  to_recipient("drop-after-data@example.kr", 4),
      to_recipient("bad>@example.kr", 5),       to_recipient("anna@example.se", 6)};
  const auto outcomes = send_batch(transport, batch);
  const std::vector<SendStatus> expected = {SendStatus::sent,      SendStatus::permanent,
                                            SendStatus::transient, SendStatus::unknown,
                                            SendStatus::permanent, SendStatus::sent};
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO(i << ": " << outcomes[i].detail);
    CHECK(outcomes[i].status == expected[i]);
  }
  CHECK_THAT(outcomes[1].detail, Catch::StartsWith("550 "));
  CHECK_THAT(outcomes[3].detail, Catch::Contains("may have been accepted"));
  // Each accepted message arrived once: the one whose reply was lost is not sent again.
  const auto received = server.messages();
  REQUIRE(received.size() == 3);
  CHECK(received[0] == build_mime(batch[0]));
  CHECK(received[1] == build_mime(batch[3]));
  CHECK(received[2] == build_mime(batch[5]));
}

TEST_CASE("a connection the server closed is opened again on the next send", "[net]") {
  std::optional<SmtpServer> server(std::in_place);
  const auto port = server->port();
  SmtpTransport transport(plain_settings(port));
  REQUIRE(transport.send(to_recipient("minjun.kim@example.kr", 1)).status == SendStatus::sent);

  // The server goes away (closing the transport's connection) and comes back on the same port.
  server.reset();
  ServerOptions same_port;
  same_port.port = port;
  server.emplace(same_port);

  const auto outcome = transport.send(to_recipient("minjun.kim@example.kr", 2));
  INFO(outcome.detail);
  CHECK(outcome.status == SendStatus::sent);
  CHECK(server->messages().size() == 1);
}

TEST_CASE("a connection lost after the message was handed over leaves it unknown", "[net]") {
  SmtpServer server;
  SmtpTransport transport(plain_settings(server.port()));
  const auto outcome = transport.send(to_recipient("drop-after-data@example.kr", 1));
  INFO(outcome.detail);
  CHECK(outcome.status == SendStatus::unknown);  // the store records it `unknown`, not resent
  CHECK_THAT(outcome.detail, Catch::Contains("may have been accepted"));
  CHECK(server.messages().size() == 1);  // the server did get it

  // A failure before the content left is an ordinary transient one, and the next send
  // reconnects.
  const auto refused = transport.send(to_recipient("temp-fail@example.kr", 2));
  CHECK(refused.status == SendStatus::transient);
  CHECK(transport.send(to_recipient("minjun.kim@example.kr", 3)).status == SendStatus::sent);
  CHECK(server.messages().size() == 2);
}

TEST_CASE("over STARTTLS (vmime) a connection lost after the content is unknown, not retried",
          "[net]") {
  TempDir dir;
  const auto certificate = make_certificate(dir.path());
  SmtpServer server({"starttls", certificate, ""});
  auto settings = plain_settings(server.port());
  settings.tls = SmtpSettings::Tls::starttls;
  settings.ca_file = certificate.cert;
  SmtpTransport transport(settings);

  const auto lost = transport.send(to_recipient("drop-after-data@example.kr", 1));
  INFO(lost.detail);
  CHECK(lost.status == SendStatus::unknown);
  CHECK_THAT(lost.detail, Catch::Contains("may have been accepted"));
  CHECK(server.messages().size() == 1);  // sent exactly once: no retry inside the transport

  // Refused before the content: transient, not unknown; the transport then reconnects.
  const auto refused = transport.send(to_recipient("temp-fail@example.kr", 2));
  INFO(refused.detail);
  CHECK(refused.status == SendStatus::transient);
  const auto ok = transport.send(to_recipient("minjun.kim@example.kr", 3));
  INFO(ok.detail);
  CHECK(ok.status == SendStatus::sent);
  CHECK(server.messages().size() == 2);
}

TEST_CASE("a message with lines starting with dots arrives exactly as built", "[net]") {
  SmtpServer server;
  SmtpTransport transport(plain_settings(server.port()));
  auto message = to_recipient("minjun.kim@example.kr", 1);
  // Quoted-printable keeps a '.' at the start of a line; the client must double it on the wire
  // (RFC 5321 4.5.2) and the server take it away again.
  message.html = "<p>Hi</p>\n.one\n..two\n.\n<p>" + std::string(300, '.') + "</p>";
  const auto outcome = transport.send(message);
  INFO(outcome.detail);
  REQUIRE(outcome.status == SendStatus::sent);
  const auto received = server.messages();
  REQUIRE(received.size() == 1);
  CHECK(received[0] == build_mime(message));
}

TEST_CASE("a 451 reply is transient, a 550 permanent with the server's code and text", "[net]") {
  SmtpServer server;
  SmtpTransport transport(plain_settings(server.port()));

  const auto temporary = transport.send(to_recipient("temp-fail@example.kr"));
  CHECK(temporary.status == SendStatus::transient);
  CHECK_THAT(temporary.detail,
             Catch::StartsWith("451 ") && Catch::Contains("Mailbox temporarily unavailable"));

  const auto rejected = transport.send(to_recipient("reject@example.kr"));
  CHECK(rejected.status == SendStatus::permanent);
  CHECK_THAT(rejected.detail, Catch::StartsWith("550 ") && Catch::Contains("No such user here"));

  SECTION("and the transport sends again after them") {
    const auto ok = transport.send(to_recipient("minjun.kim@example.kr"));
    INFO(ok.detail);
    CHECK(ok.status == SendStatus::sent);
    CHECK(server.messages().size() == 1);
  }
}

TEST_CASE("a refused connection is transient", "[net]") {
  SmtpTransport transport(plain_settings(closed_port()));
  const auto outcome = transport.send(korean_follow_up());
  CHECK(outcome.status == SendStatus::transient);
  CHECK_THAT(outcome.detail, Catch::Contains("refused"));
}

TEST_CASE("a message build_mime refuses is permanent and nothing is sent", "[net]") {
  SmtpServer server;
  SmtpTransport transport(plain_settings(server.port()));
  auto message = korean_follow_up();
  message.to_email = "minjun.kim@example.kr>\r\nBcc: x@evil.test";
  CHECK(transport.send(message).status == SendStatus::permanent);
  CHECK(server.messages().empty());
}

TEST_CASE("STARTTLS verifies the server against the configured CA file only", "[net]") {
  TempDir dir;
  const auto certificate = make_certificate(dir.path());
  SmtpServer server({"starttls", certificate, ""});
  auto settings = plain_settings(server.port());
  settings.tls = SmtpSettings::Tls::starttls;

  SECTION("with the CA file the message goes through") {
    settings.ca_file = certificate.cert;
    SmtpTransport transport(settings);
    const auto outcome = transport.send(korean_follow_up());
    INFO(outcome.detail);
    CHECK(outcome.status == SendStatus::sent);
    CHECK(server.messages().size() == 1);
  }
  SECTION("with the system store the self-signed certificate is refused") {
    SmtpTransport transport(settings);
    const auto outcome = transport.send(korean_follow_up());
    CHECK(outcome.status == SendStatus::transient);
    CHECK_THAT(outcome.detail, Catch::StartsWith("tls: "));
    CHECK(server.messages().empty());
  }
}

TEST_CASE("implicit TLS sends with the configured CA file", "[net]") {
  TempDir dir;
  const auto certificate = make_certificate(dir.path());
  SmtpServer server({"implicit", certificate, ""});
  auto settings = plain_settings(server.port());
  settings.tls = SmtpSettings::Tls::implicit;
  settings.ca_file = certificate.cert;
  SmtpTransport transport(settings);
  for (int n = 1; n <= 2; ++n) {
    const auto outcome = transport.send(to_recipient("minjun.kim@example.kr", n));
    INFO(outcome.detail);
    CHECK(outcome.status == SendStatus::sent);
  }
  CHECK(server.messages().size() == 2);
}

TEST_CASE("a wrong SMTP password is a permanent auth failure that does not show the password",
          "[net]") {
  TempDir dir;
  const auto certificate = make_certificate(dir.path());
  SmtpServer server({"starttls", certificate, "anna:correct-horse"});
  auto settings = plain_settings(server.port());
  settings.tls = SmtpSettings::Tls::starttls;
  settings.ca_file = certificate.cert;
  settings.username = "anna";

  SECTION("wrong") {
    settings.password = "wrong-battery-staple";
    SmtpTransport transport(settings);
    const auto outcome = transport.send(korean_follow_up());
    CHECK(outcome.status == SendStatus::permanent);
    CHECK_THAT(outcome.detail, Catch::StartsWith("auth: "));
    CHECK_THAT(outcome.detail, !Catch::Contains("wrong-battery-staple"));
    CHECK(server.messages().empty());
  }
  SECTION("right") {
    settings.password = "correct-horse";
    SmtpTransport transport(settings);
    const auto outcome = transport.send(korean_follow_up());
    INFO(outcome.detail);
    CHECK(outcome.status == SendStatus::sent);
    CHECK(server.messages().size() == 1);
  }
}
