#pragma once
// The loop `touchpoint serve` runs: a tick every interval until asked to stop.

#include <chrono>
#include <functional>
#include <stop_token>

#include <touchpoint/engine/engine.hpp>

namespace touchpoint::engine {

struct LoopOptions {
  std::chrono::milliseconds interval{1000};
  std::function<core::Timestamp()> now;  // the clock; tests give a fake one
  // Called after every tick with its report; an exception thrown by a tick is passed here
  // as a message instead, and the loop goes on (the tick's transaction was rolled back).
  std::function<void(const TickReport&)> on_tick;
  std::function<void(const std::string&)> on_error;
};

// Recovers interrupted sends, then ticks until `stop` is requested; returns within about one
// interval of the request (at once while waiting). Hold the EngineLock around it.
void run_loop(Engine& engine, const LoopOptions& options, std::stop_token stop);

}  // namespace touchpoint::engine
