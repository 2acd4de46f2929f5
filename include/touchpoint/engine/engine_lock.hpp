#pragma once
// With SQLite, one engine runs per database: an exclusive lock on "<db>.engine.lock". The
// operating system drops the lock when the holder dies, so a crashed engine never blocks the
// next one, and the next one knows every `sending` message is orphaned.

#include <filesystem>

namespace touchpoint::engine {

class EngineLock {
 public:
  // Takes the lock, waiting for a running engine to let go. Throws std::system_error when the
  // lock file cannot be opened.
  explicit EngineLock(const std::filesystem::path& database);
  ~EngineLock();
  EngineLock(const EngineLock&) = delete;
  EngineLock& operator=(const EngineLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace touchpoint::engine
