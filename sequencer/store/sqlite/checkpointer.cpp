// The write-ahead log's checkpoints on their own thread (checkpointer.hpp).
#include <touchpoint/store/checkpointer.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

#include <iostream>
#include <stdexcept>

#include "common.hpp"

namespace touchpoint::store {

struct Checkpointer::Connection {
  SQLite::Database db;
};

Checkpointer::Checkpointer(const std::filesystem::path& database,
                           std::chrono::microseconds min_interval)
    : min_interval_(min_interval) {
  try {
    db_ = std::make_unique<Connection>(
        Connection{SQLite::Database(database.string(), SQLite::OPEN_READWRITE)});
  } catch (const SQLite::Exception& e) {
    throw std::runtime_error("cannot open database " + database.string() + ": " + e.what());
  }
  thread_ = std::thread([this] { run(); });
}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Checkpointer::poke() {
  std::lock_guard lock(mutex_);
  poked_ = true;
  // Under load the thread is between checkpoints on its timer and finds the poke itself;
  // only an idle thread needs waking.
  if (idle_) wake_.notify_one();
}

std::size_t Checkpointer::runs() const {
  std::lock_guard lock(mutex_);
  return runs_;
}

void Checkpointer::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (!poked_) {
      if (stopping_) return;
      idle_ = true;
      wake_.wait(lock, [&] { return poked_ || stopping_; });
      idle_ = false;
      continue;
    }
    poked_ = false;
    lock.unlock();
    try {
      // PASSIVE: copies the frames no reader still needs, and never waits on the writer.
      db_->db.exec("PRAGMA wal_checkpoint(PASSIVE)");
    } catch (const SQLite::Exception& e) {
      // Busy: another connection is checkpointing right now, which is as good.
      if (e.getErrorCode() != SQLITE_BUSY) std::cerr << "checkpoint: " << e.what() << '\n';
    }
    lock.lock();
    ++runs_;
    // At most one checkpoint per interval, each taking whatever was written meanwhile.
    wake_.wait_for(lock, min_interval_, [&] { return stopping_; });
  }
}

}  // namespace touchpoint::store
