// The configuration's "inbound" keys (poll_seconds, idle): how `serve` reads the reps' IMAP
// folders. Read into the options serve runs InboundWatch with; bad values name the key.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <tuple>

#include "cli_fixture.hpp"
#include "config.hpp"
#include "inbound_poller.hpp"

using touchpoint::testing::CliFixture;

TEST_CASE("inbound.poll_seconds and inbound.idle reach serve's inbound watch", "[e2e]") {
  CliFixture cli;
  const auto path = cli.dir() / "touchpoint.json";
  std::ofstream(path) << R"({"inbound": {"poll_seconds": 15, "idle": false}})";
  auto config = touchpoint::app::load_config(path);
  REQUIRE(config);
  auto options = touchpoint::app::watch_options(*config);
  CHECK(options.poll_interval == std::chrono::seconds(15));
  CHECK_FALSE(options.idle);

  std::ofstream(path) << "{}";
  auto defaults = touchpoint::app::watch_options(*touchpoint::app::load_config(path));
  CHECK(defaults.poll_interval == std::chrono::minutes(1));
  CHECK(defaults.idle);
}

TEST_CASE("bad inbound keys are configuration errors naming the field", "[e2e]") {
  CliFixture cli;
  for (auto [inbound, message] :
       {std::tuple{R"({"poll_seconds": 0})",
                   "inbound.poll_seconds: must be a whole number from 1 to 86400"},
        std::tuple{R"({"poll_seconds": "often"})",
                   "inbound.poll_seconds: must be a whole number from 1 to 86400"},
        std::tuple{R"({"idle": "no"})", "inbound.idle: must be true or false"},
        std::tuple{R"({"poll": 5})", "inbound.poll: unknown key"},
        std::tuple{"[]", "inbound: must be an object"}}) {
    cli.expect_config_error(std::string(R"({"inbound": )") + inbound + "}", message);
  }
}
