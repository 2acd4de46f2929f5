#include "smtp_server.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace fs = std::filesystem;

namespace touchpoint::testing {
namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
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

}  // namespace

Certificate make_certificate(const fs::path& dir) {
  Certificate c{dir / "cert.pem", dir / "key.pem"};
  const std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
      "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout '" +
      c.key.string() + "' -out '" + c.cert.string() + "' >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("openssl req failed");
  return c;
}

SmtpServer::SmtpServer(const SmtpServerOptions& options) {
  std::random_device rd;
  dir_ = fs::temp_directory_path() / ("touchpoint-smtp-" + std::to_string(rd()));
  fs::create_directories(dir_);
  const auto port_file = dir_ / "port";
  std::vector<std::string> args = {python_with_aiosmtpd(),
                                   TOUCHPOINT_SMTP_SERVER_SCRIPT,
                                   "--folder",
                                   dir_.string(),
                                   "--port-file",
                                   port_file.string(),
                                   "--tls",
                                   options.tls};
  if (options.certificate)
    args.insert(args.end(), {"--cert", options.certificate->cert.string(), "--key",
                             options.certificate->key.string()});
  if (!options.auth.empty()) args.insert(args.end(), {"--auth", options.auth});
  if (options.pipelining) args.push_back("--pipelining");
  if (options.port != 0) args.insert(args.end(), {"--port", std::to_string(options.port)});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0)
    throw std::runtime_error("cannot start " + std::string(TOUCHPOINT_SMTP_SERVER_SCRIPT));
  // It writes its port once it listens.
  for (int i = 0; i < 200 && !fs::exists(port_file); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  if (!fs::exists(port_file)) {
    stop();
    throw std::runtime_error("the SMTP test server did not start");
  }
  port_ = static_cast<std::uint16_t>(std::stoi(read_file(port_file)));
}

SmtpServer::~SmtpServer() {
  stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::vector<std::string> SmtpServer::messages() const {
  std::vector<std::string> out;
  for (int n = 1; fs::exists(dir_ / (std::to_string(n) + ".eml")); ++n)
    out.push_back(read_file(dir_ / (std::to_string(n) + ".eml")));
  return out;
}

std::vector<SmtpServer::Received> SmtpServer::log() const {
  std::istringstream lines(read_file(dir_ / "log.txt"));
  std::vector<Received> out;
  int n = 0;
  std::string rcpt;
  Received r;
  int waiting = 0;
  while (lines >> n >> r.port >> rcpt >> waiting) {
    r.next_mail_pipelined = waiting != 0;
    out.push_back(r);
  }
  return out;
}

std::vector<int> SmtpServer::client_ports() const {
  std::vector<int> ports;
  for (const auto& r : log()) ports.push_back(r.port);
  return ports;
}

std::vector<bool> SmtpServer::next_mail_pipelined() const {
  std::vector<bool> out;
  for (const auto& r : log()) out.push_back(r.next_mail_pipelined);
  return out;
}

void SmtpServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

}  // namespace touchpoint::testing
