// The tracking endpoints' group commit (hit_recorder.hpp): one writer thread, one connection.
#include <touchpoint/bridge/hit_recorder.hpp>

#include <iostream>
#include <vector>

namespace touchpoint::bridge {

HitRecorder::HitRecorder(const std::filesystem::path& database, std::size_t max_batch)
    : store_(store::open_sqlite_store(database, {.checkpoint_in_background = true})),
      max_batch_(max_batch ? max_batch : 1) {
  thread_ = std::thread([this] { run(); });
}

HitRecorder::~HitRecorder() {
  stop();
}

void HitRecorder::submit(store::TrackingRepository::PendingHit hit, Done done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back({std::move(hit), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  done(std::nullopt);
}

void HitRecorder::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void HitRecorder::run() {
  std::vector<Waiting> batch;
  std::vector<store::TrackingRepository::PendingHit> hits;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is answered
      // Whatever arrived while the last transaction ran goes in this one: no waiting for more.
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    hits.clear();
    for (auto& w : batch) hits.push_back(std::move(w.hit));  // not read again
    std::vector<bool> found;
    try {
      found = store_->tracking().record_all(hits);
    } catch (const std::exception& e) {
      // The transaction rolled back: none of these hits is recorded, and each says so.
      std::cerr << "bridge: recording " << hits.size() << " tracking hits: " << e.what() << '\n';
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      std::optional<bool> recorded;
      if (found.size() == batch.size()) recorded = found[i];
      try {
        batch[i].done(recorded);
      } catch (const std::exception& e) {
        std::cerr << "bridge: answering a tracking hit: " << e.what() << '\n';
      }
    }
    batch.clear();
  }
}

}  // namespace touchpoint::bridge
