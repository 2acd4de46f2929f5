// The HTTPS client the Salesforce connector calls through (connectors/http), against real local
// servers (tests/fakes/https_and_proxy.py): the certificate is verified against the system
// store or a CA file, and HTTPS_PROXY tunnels with CONNECT, TLS running end to end.
#include <catch2/catch.hpp>

#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <touchpoint/http/client.hpp>

#include "python_json.hpp"

extern char** environ;

namespace fs = std::filesystem;
using touchpoint::http::Client;
using touchpoint::http::ClientOptions;
using touchpoint::http::Failure;
using touchpoint::http::FailureKind;

namespace {

// tests/fakes/https_and_proxy.py in a child process, stopped on destruction.
class LocalServer {
 public:
  LocalServer(const fs::path& dir, const std::string& name, std::vector<std::string> flags) {
    auto port_file = dir / (name + ".port");
    std::vector<std::string> args = {TOUCHPOINT_PYTHON3, TOUCHPOINT_HTTPS_AND_PROXY};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), {"--port-file", port_file.string()});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0)
      throw std::runtime_error("cannot start " + name);
    for (int i = 0; i < 400 && !fs::exists(port_file); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    std::ifstream in(port_file);
    if (!(in >> port_)) throw std::runtime_error(name + " did not start");
  }
  ~LocalServer() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;
  int port() const { return port_; }

 private:
  pid_t pid_ = 0;
  int port_ = 0;
};

// A self-signed certificate (its own CA) for `names`, made with the openssl command.
std::pair<fs::path, fs::path> certificate(const fs::path& dir, const std::string& names) {
  auto cert = dir / "cert.pem";
  auto key = dir / "key.pem";
  std::string command = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test "
                        "-addext 'subjectAltName=" + names + "' -keyout '" + key.string() +
                        "' -out '" + cert.string() + "' >/dev/null 2>&1";
  REQUIRE(std::system(command.c_str()) == 0);
  return {cert, key};
}

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("HTTPS: the server's certificate is checked against the CA file", "[http]") {
  touchpoint::test::TempDir dir;
  auto [cert, key] = certificate(dir.path(), "DNS:localhost");
  LocalServer server(dir.path(), "https", {"https", "--cert", cert.string(), "--key", key.string()});
  auto url = "https://localhost:" + std::to_string(server.port()) + "/services/data?q=1";

  ClientOptions trusting;
  trusting.ca_file = cert.string();
  Client client(trusting);
  auto r = client.request({"GET", url, {}, ""});
  CHECK(r.status == 200);
  CHECK(nlohmann::json::parse(r.body)["path"] == "/services/data?q=1");
  client.request({"GET", url, {}, ""});
  CHECK(client.connections_opened() == 1);  // kept alive and reused

  // The system store does not know a self-signed certificate: refused, not retried.
  Client strict;
  try {
    strict.request({"GET", url, {}, ""});
    FAIL("a certificate no CA vouches for was accepted");
  } catch (const Failure& f) {
    CHECK(f.kind == FailureKind::tls);
    CHECK_FALSE(f.transient());
  }

  // The right CA, the wrong name: the certificate names localhost only, not 127.0.0.1.
  auto by_address = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
  Client mismatched(trusting);
  try {
    mismatched.request({"GET", by_address, {}, ""});
    FAIL("a certificate for another name was accepted");
  } catch (const Failure& f) {
    CHECK(f.kind == FailureKind::tls);
  }
}

TEST_CASE("HTTPS_PROXY: requests go through a CONNECT tunnel, TLS end to end", "[http]") {
  touchpoint::test::TempDir dir;
  // A name that is not loopback (loopback hosts never go through a proxy); the proxy sends
  // every tunnel to 127.0.0.1.
  auto [cert, key] = certificate(dir.path(), "DNS:login.salesforce.test");
  LocalServer server(dir.path(), "https", {"https", "--cert", cert.string(), "--key", key.string()});
  auto log = dir.path() / "connects.log";
  LocalServer proxy(dir.path(), "proxy", {"proxy", "--log", log.string()});
  auto target = "login.salesforce.test:" + std::to_string(server.port());

  ClientOptions options;
  options.ca_file = cert.string();
  options.use_env_proxy = true;
  ::setenv("HTTPS_PROXY", ("http://127.0.0.1:" + std::to_string(proxy.port())).c_str(), 1);
  ::unsetenv("NO_PROXY");
  ::unsetenv("no_proxy");
  Client client(options);
  auto r = client.request({"GET", "https://" + target + "/services/oauth2/token", {}, ""});
  CHECK(r.status == 200);
  CHECK(nlohmann::json::parse(r.body)["host"] == target);
  CHECK(read(log) == target + "\n");

  // NO_PROXY names the host: straight there, which fails (the name does not resolve), and
  // the proxy sees nothing more.
  ::setenv("NO_PROXY", "salesforce.test", 1);
  Client direct(options);
  CHECK_THROWS_AS(direct.request({"GET", "https://" + target + "/", {}, ""}), Failure);
  CHECK(read(log) == target + "\n");
  ::unsetenv("NO_PROXY");
  ::unsetenv("HTTPS_PROXY");
}
