#pragma once
// Group commit for the tracking endpoints: every worker's opens and clicks go to one writer
// thread with its own database connection, which records all the hits waiting in one
// transaction. A hit is answered only once the transaction holding it has committed, so an
// answered hit is never lost and a crash loses only hits nobody was answered for; SQLite's
// transaction keeps the database whole either way. Under load a commit carries many hits, so
// the workers never queue on SQLite's write lock one hit at a time. Its store checkpoints in
// the background (store::StoreOptions), so a commit rarely waits for a checkpoint.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <touchpoint/store/store.hpp>

namespace touchpoint::bridge {

class HitRecorder {
 public:
  // Called on the writer thread once the hit's transaction has ended: true when recorded,
  // false when its step does not exist, empty when the database failed (nothing recorded).
  using Done = std::function<void(std::optional<bool> recorded)>;

  // Opens its own connection to `database` (throws std::runtime_error naming it) and starts
  // the writer thread. At most `max_batch` hits go in one transaction.
  explicit HitRecorder(const std::filesystem::path& database, std::size_t max_batch = 512);
  ~HitRecorder();  // stop()
  HitRecorder(const HitRecorder&) = delete;
  HitRecorder& operator=(const HitRecorder&) = delete;

  // Queues a hit. Thread-safe. After stop(), `done` is called at once with an empty value.
  void submit(store::TrackingRepository::PendingHit hit, Done done);

  // Records every hit already queued, answers them, then ends the writer thread.
  // Thread-safe and idempotent.
  void stop();

 private:
  struct Waiting {
    store::TrackingRepository::PendingHit hit;
    Done done;
  };
  void run();

  std::unique_ptr<store::Store> store_;
  std::size_t max_batch_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Waiting> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace touchpoint::bridge
