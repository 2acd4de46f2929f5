#include <touchpoint/engine/engine_lock.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace touchpoint::engine {

EngineLock::EngineLock(const std::filesystem::path& database) {
  auto path = database.string() + ".engine.lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "cannot open " + path);
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno != EINTR) {
      int error = errno;
      ::close(fd_);
      throw std::system_error(error, std::generic_category(), "cannot lock " + path);
    }
  }
}

EngineLock::~EngineLock() {
  if (fd_ >= 0) ::close(fd_);  // closing drops the lock
}

}  // namespace touchpoint::engine
