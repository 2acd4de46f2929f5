#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include <touchpoint/engine/engine_loop.hpp>
#include <touchpoint/store/store.hpp>

#include "cli_fixture.hpp"

using touchpoint::testing::CliFixture;
using touchpoint::testing::fixture;

TEST_CASE("the serve loop ticks on its clock until stopped", "[e2e]") {
  CliFixture cli;
  cli.load_samples();
  cli.ok({"enroll", "--sequence", "1", "--prospects", "all", "--start", "2026-03-02T07:00:00Z"});

  auto store = touchpoint::store::open_sqlite_store(cli.db());
  touchpoint::engine::Engine engine(*store, nullptr, {});
  // The fake clock moves an hour per tick, from Monday 07:00Z.
  std::atomic<int> ticks = 0;
  std::size_t queued = 0;
  touchpoint::engine::LoopOptions options;
  options.interval = std::chrono::milliseconds{1};
  options.now = [&] {
    return *touchpoint::core::parse_instant("2026-03-02T07:00:00Z") +
           std::chrono::hours{ticks.load()};
  };
  options.on_tick = [&](const touchpoint::engine::TickReport& r) {
    queued += r.messages_queued;
    ++ticks;
  };
  std::jthread loop(
      [&](std::stop_token stop) { touchpoint::engine::run_loop(engine, options, stop); });
  while (ticks < 24) std::this_thread::sleep_for(std::chrono::milliseconds{1});
  loop.request_stop();
  loop.join();
  // Within the first day every first email is due but the Los Angeles one: its start is
  // 23:00 on Sunday there, so it goes at 08:00 on Tuesday, the 33rd hour.
  CHECK(queued == 8);
  CHECK(store->messages().list(std::nullopt).size() == queued);
}
