// `touchpoint token create` and `touchpoint serve`'s TLS: what a rep and an admin use.
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "bridge_fixture.hpp"
#include "cli/cli.hpp"

using namespace touchpoint::testing;

namespace {

std::string run_command(const std::string& command) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  REQUIRE(pipe);
  std::array<char, 4096> buffer{};
  while (auto n = std::fread(buffer.data(), 1, buffer.size(), pipe.get())) out.append(buffer.data(), n);
  return out;
}

}  // namespace

TEST_CASE("token create prints a token alone on its last line, and it signs in", "[net]") {
  BridgeFixture f;
  std::ostringstream out, err;
  int status = touchpoint::app::run_cli(
      {"touchpoint", "--db", f.db().string(), "token", "create", "--user", kJisoo}, out, err);
  INFO(err.str());
  REQUIRE(status == 0);
  auto text = out.str();
  REQUIRE(text.size() > 1);
  text.pop_back();  // the final line end
  auto token = text.substr(text.rfind('\n') + 1);
  CHECK(token.find(' ') == std::string::npos);
  auto r = f.client().get("/api/v1/me", bearer(token));
  REQUIRE(r.result_int() == 200);
  CHECK(nlohmann::json::parse(r.body())["user"]["email"] == kJisoo);

  std::ostringstream out2, err2;
  status = touchpoint::app::run_cli(
      {"touchpoint", "--db", f.db().string(), "token", "create", "--user", "nobody@x.test"}, out2,
      err2);
  CHECK(status == 2);
  CHECK(err2.str().find("--user") != std::string::npos);
}

TEST_CASE("with a certificate and key configured, the server speaks HTTPS", "[net]") {
  std::random_device rd;
  auto dir = std::filesystem::temp_directory_path() / ("touchpoint-tls-" + std::to_string(rd()));
  std::filesystem::create_directories(dir);
  auto cert = dir / "cert.pem", key = dir / "key.pem";
  REQUIRE(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
                       "-keyout " + key.string() + " -out " + cert.string() + " 2>/dev/null")
                          .c_str()) == 0);
  {
    BridgeFixture f([&](auto& o) { o.tls = touchpoint::bridge::TlsFiles{cert, key}; });
    CHECK(f.server().url().rfind("https://127.0.0.1:", 0) == 0);
    auto body = run_command("curl -sk --max-time 10 " + f.server().url() + "/healthz");
    CHECK(body == R"({"status":"ok"})");
    // Plain HTTP on the TLS port gets no answer.
    auto plain = run_command("curl -s --max-time 5 http://127.0.0.1:" + std::to_string(f.port()) +
                             "/healthz");
    CHECK(plain.find("ok") == std::string::npos);
  }
  std::filesystem::remove_all(dir);
}
