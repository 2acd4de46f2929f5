#include <touchpoint/engine/engine_loop.hpp>

#include <condition_variable>
#include <mutex>

namespace touchpoint::engine {

void run_loop(Engine& engine, const LoopOptions& options, std::stop_token stop) {
  std::mutex mutex;
  std::condition_variable_any wake;
  bool recovered = false;
  while (!stop.stop_requested()) {
    try {
      if (!recovered) engine.recover(options.now());
      recovered = true;
      auto report = engine.tick(options.now());
      if (options.on_tick) options.on_tick(report);
    } catch (const std::exception& e) {
      // The engine loop is an edge: a fault is reported, and the next tick tries again.
      if (options.on_error) options.on_error(e.what());
    }
    std::unique_lock lock(mutex);
    wake.wait_for(lock, stop, options.interval, [] { return false; });
  }
}

}  // namespace touchpoint::engine
