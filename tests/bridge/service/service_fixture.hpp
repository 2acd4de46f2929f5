#pragma once
// The demo data (three reps, nine prospects, the all-modes sequence, one tick) loaded by the
// real CLI into a fresh database, and a Service on its own Store over that database.

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include <touchpoint/bridge/service.hpp>

#include "cli_fixture.hpp"

namespace touchpoint::testing {

inline constexpr const char* kSecret = "a-service-test-secret-of-some-length";

inline core::Timestamp at(const char* iso) {
  return *core::parse_instant(iso);
}

struct DemoService {
  // Started on Monday 2 March, looked at on Thursday 12 March: steps 1 and 2 are sent to
  // everybody and each prospect has its day-3 call open.
  static constexpr const char* kStart = "2026-03-02T07:00:00Z";
  static constexpr const char* kNow = "2026-03-12T12:00:00Z";

  DemoService() {
    ::setenv("TP_SERVICE_TEST_SECRET", kSecret, 1);
    config_path = (cli.dir() / "touchpoint.json").string();
    std::ofstream(config_path) << R"({"public_url": "https://touch.example.com",)"
                               << R"( "secret_env": "TP_SERVICE_TEST_SECRET"})";
    cli.ok({"--config", config_path, "demo", "--start", kStart, "--now", kNow});
    store = store::open_sqlite_store(cli.db());
    service = std::make_unique<bridge::Service>(*store, engine_config());
    anna = *store->users().find("rep.anna@touchpoint.test");
    jisoo = *store->users().find("rep.jisoo@touchpoint.test");
  }

  static engine::EngineConfig engine_config() {
    engine::EngineConfig config;
    config.public_url = "https://touch.example.com";
    config.tracking_secret = kSecret;
    return config;
  }

  core::Timestamp now() const { return at(kNow); }

  CliFixture cli;
  std::string config_path;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<bridge::Service> service;
  core::User anna;
  core::User jisoo;
};

// Runs `call` and returns the ApiError it throws; fails the test when it throws nothing.
template <typename F>
bridge::ApiError api_error_of(F&& call) {
  try {
    call();
  } catch (const bridge::ApiError& e) {
    return e;
  }
  FAIL("expected an ApiError");
  throw std::logic_error("unreachable");
}

}  // namespace touchpoint::testing
