#pragma once
// Copies a SQLite database's write-ahead log into the database from a thread of its own, for a
// connection that commits often: a store opened with StoreOptions::checkpoint_in_background
// (the engine, the CLI, the tracking endpoints' group commit) owns one and pokes it. SQLite
// checkpoints on the committing connection once the log passes 1,000 pages: the copy and its
// two fsyncs then stall that commit, and every answer waiting on it, for milliseconds. With a
// Checkpointer poked after each commit, PASSIVE checkpoints (which wait for no one) copy the
// log as it grows, so the committing connection's own checkpoint (which such a store moves to
// 10,000 pages) finds only the last few pages left: the stall shrinks to those, and the log
// still restarts from its beginning, staying short. (A log checkpointed only from beside a
// busy writer never restarts: it grew by 65 MB/s.)

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

namespace touchpoint::store {

class Checkpointer {
 public:
  // Opens its own connection to `database` (throws std::runtime_error naming it) and starts
  // a thread that checkpoints after a poke, at most once per `min_interval`.
  explicit Checkpointer(const std::filesystem::path& database,
                        std::chrono::microseconds min_interval = std::chrono::milliseconds(5));
  ~Checkpointer();  // a last checkpoint when poked since the previous one, then the thread ends
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Says the log has grown. Thread-safe and cheap: call it after every commit.
  void poke();

  // Checkpoints run so far.
  std::size_t runs() const;

 private:
  struct Connection;
  void run();

  std::unique_ptr<Connection> db_;
  std::chrono::microseconds min_interval_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool poked_ = false;
  bool idle_ = false;  // waiting for a poke, not on its interval
  bool stopping_ = false;
  std::size_t runs_ = 0;
  std::thread thread_;
};

}  // namespace touchpoint::store
