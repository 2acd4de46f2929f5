// The configuration's keys for `serve` (threads, cors_origins, trusted_proxies, limits): read
// into the server's settings; bad values are configuration errors naming the key or the entry.
#include <catch2/catch.hpp>

#include <fstream>
#include <tuple>

#include "cli_fixture.hpp"
#include "config.hpp"

using touchpoint::testing::CliFixture;

TEST_CASE("serve keys are read from the configuration", "[e2e]") {
  CliFixture cli;
  const auto path = cli.dir() / "touchpoint.json";
  std::ofstream(path) << R"({"threads": 3, "cors_origins": ["https://mail.example.com", "*"],
                             "trusted_proxies": ["127.0.0.1", "10.0.0.0/8"],
                             "limits": {"body_bytes": 2048, "read_timeout_seconds": 7}})";
  auto config = touchpoint::app::load_config(path);
  REQUIRE(config);
  const auto& serve = config->serve;
  CHECK(serve.threads == 3);
  CHECK(serve.cors_origins == std::vector<std::string>{"https://mail.example.com", "*"});
  CHECK(serve.trusted_proxies == std::vector<std::string>{"127.0.0.1", "10.0.0.0/8"});
  CHECK(serve.body_bytes == 2048);
  CHECK(serve.read_timeout_seconds == 7);
}

TEST_CASE("bad serve keys are configuration errors naming the key or entry", "[e2e]") {
  CliFixture cli;
  for (
      auto [config, message] : {
          std::tuple{R"({"threads": 0})", "threads: must be a whole number from 1 to 256"},
          std::tuple{R"({"cors_origins": "*"})", "cors_origins: must be a list of origins"},
          std::tuple{
              R"({"cors_origins": ["*", ""]})",
              R"(cors_origins[1]: must be an origin such as "https://mail.example.com" or "*")"},
          std::tuple{R"({"trusted_proxies": {}})",
                     "trusted_proxies: must be a list of addresses or CIDR ranges"},
          std::tuple{
              R"({"trusted_proxies": [5]})",
              R"(trusted_proxies[0]: must be an address or a CIDR range such as "127.0.0.1" or "10.0.0.0/8")"},
          std::tuple{R"({"limits": {"body_bytes": 10}})",
                     "limits.body_bytes: must be a whole number from 1024 to 1073741824"},
      }) {
    cli.expect_config_error(config, message);
  }
}
