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
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <touchpoint/mail/mime.hpp>
#include <touchpoint/mail/smtp_transport.hpp>

#include "mail_test_support.hpp"

extern char** environ;

namespace fs = std::filesystem;
using touchpoint::core::OutgoingMessage;
using touchpoint::core::SendStatus;
using touchpoint::mail::build_mime;
using touchpoint::mail::SmtpSettings;
using touchpoint::mail::SmtpTransport;
using touchpoint::mail::test::korean_follow_up;
using touchpoint::mail::test::parse_with_python;
using touchpoint::mail::test::TempDir;

namespace {

const fs::path kServerScript = fs::path(__FILE__).parent_path() / "smtp_test_server.py";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string str(const nlohmann::json& j) {
  return j.get<std::string>();
}

// The build's Python when it has aiosmtpd, else Debian's (where python3-aiosmtpd installs it).
std::string python_with_aiosmtpd() {
  static const std::string python = [] {
    const std::string build_python = TOUCHPOINT_PYTHON3;
    const std::string probe = "'" + build_python + "' -c 'import aiosmtpd' >/dev/null 2>&1";
    return std::system(probe.c_str()) == 0 ? build_python : std::string("/usr/bin/python3");
  }();
  return python;
}

// A self-signed certificate for 127.0.0.1 and localhost, made with the openssl command.
struct Certificate {
  fs::path cert;
  fs::path key;
};

Certificate make_certificate(const fs::path& dir) {
  Certificate c{dir / "cert.pem", dir / "key.pem"};
  const std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
      "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout '" +
      c.key.string() + "' -out '" + c.cert.string() + "' >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("openssl req failed");
  return c;
}

struct ServerOptions {
  std::string tls = "none";  // none, starttls, implicit
  std::optional<Certificate> certificate;
  std::string auth;        // user:password, empty for none
  std::uint16_t port = 0;  // 0: a free one
};

// smtp_test_server.py run as a child process, stopped (SIGTERM) on destruction. Each accepted
// message lands in folder()/<n>.eml.
class SmtpServer {
 public:
  explicit SmtpServer(const ServerOptions& options = {}) {
    const auto port_file = dir_.path() / "port";
    std::vector<std::string> args = {
        python_with_aiosmtpd(), kServerScript.string(), "--folder", dir_.path().string(),
        "--port-file",          port_file.string(),     "--tls",    options.tls};
    if (options.certificate) {
      args.insert(args.end(), {"--cert", options.certificate->cert.string(), "--key",
                               options.certificate->key.string()});
    }
    if (!options.auth.empty()) args.insert(args.end(), {"--auth", options.auth});
    if (options.port != 0) args.insert(args.end(), {"--port", std::to_string(options.port)});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
      throw std::runtime_error("cannot start " + kServerScript.string());
    }
    // Wait until it listens (it writes its port once bound).
    for (int i = 0; i < 200 && !fs::exists(port_file); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    if (!fs::exists(port_file)) {
      stop();
      throw std::runtime_error("the SMTP test server did not start");
    }
    port_ = static_cast<std::uint16_t>(std::stoi(read_file(port_file)));
  }
  ~SmtpServer() { stop(); }
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  std::uint16_t port() const { return port_; }

  // The raw messages received, in order.
  std::vector<std::string> messages() const {
    std::vector<std::string> out;
    for (int n = 1; fs::exists(dir_.path() / (std::to_string(n) + ".eml")); ++n) {
      out.push_back(read_file(dir_.path() / (std::to_string(n) + ".eml")));
    }
    return out;
  }

  // The client port of each received message's connection.
  std::vector<int> client_ports() const {
    std::istringstream log(read_file(dir_.path() / "log.txt"));
    std::vector<int> ports;
    int n = 0;
    int port = 0;
    std::string rcpt;
    while (log >> n >> port >> rcpt) ports.push_back(port);
    return ports;
  }

 private:
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  TempDir dir_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

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
