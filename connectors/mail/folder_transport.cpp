#include <touchpoint/mail/folder_transport.hpp>

#include <atomic>
#include <cerrno>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

#include <touchpoint/mail/mime.hpp>

namespace touchpoint::mail {
namespace {

constexpr std::size_t kMaxMessageIdForFile = 200;  // leaves room under NAME_MAX (255)

// A Message-ID names a file as is when it cannot leave the folder or hide: no '/', no NUL, no
// leading '.' (also keeps it apart from the temporary files, which start with one).
bool names_a_file(std::string_view id) {
  if (id.empty() || id.size() > kMaxMessageIdForFile || id.front() == '.') return false;
  return id.find('/') == std::string_view::npos && id.find('\0') == std::string_view::npos;
}

core::SendOutcome io_failure(std::string_view what, const std::filesystem::path& path, int error) {
  return {core::SendStatus::transient,
          std::string(what) + " " + path.string() + ": " + std::generic_category().message(error)};
}

// Closes a descriptor on every path out of send().
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now and reports the error, which for a written file can be a late write failure.
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

int write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

// Creates a temporary file beside the target with a name no other thread or process uses.
std::pair<int, std::filesystem::path> create_temporary(const std::filesystem::path& folder,
                                                       const std::string& message_id) {
  static std::atomic<unsigned long> counter{0};
  int error = 0;
  for (int attempt = 0; attempt < 8; ++attempt) {
    const auto path = folder / ("." + message_id + "." + std::to_string(::getpid()) + "." +
                                std::to_string(counter.fetch_add(1)) + ".tmp");
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return {fd, path};
    error = errno;
    if (error != EEXIST) return {-error, path};  // EEXIST: a stale file; take another name
  }
  return {-error, folder};
}

}  // namespace

FolderTransport::FolderTransport(std::filesystem::path folder) : folder_(std::move(folder)) {
  std::filesystem::create_directories(folder_);
}

core::SendOutcome FolderTransport::send(const core::OutgoingMessage& message) {
  if (!names_a_file(message.message_id)) {
    return {core::SendStatus::permanent,
            "message id cannot name a file: \"" + message.message_id + "\""};
  }
  std::string mime;
  try {
    mime = build_mime(message);
  } catch (const std::invalid_argument& e) {
    return {core::SendStatus::permanent, e.what()};
  }

  const auto target = folder_ / (message.message_id + ".eml");
  const auto [fd_or_error, temporary] = create_temporary(folder_, message.message_id);
  if (fd_or_error < 0) return io_failure("create", temporary, -fd_or_error);

  // Write and flush the whole file under its temporary name, then rename it into place.
  FileDescriptor file(fd_or_error);
  int error = write_all(file.get(), mime);
  if (error == 0 && ::fsync(file.get()) != 0) error = errno;
  if (const int close_error = file.close(); error == 0) error = close_error;
  if (error == 0 && ::rename(temporary.c_str(), target.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(temporary.c_str());
    return io_failure("write", target, error);
  }

  // The rename is durable once the folder itself is flushed.
  FileDescriptor dir(::open(folder_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) return io_failure("open", folder_, errno);
  if (::fsync(dir.get()) != 0) return io_failure("fsync", folder_, errno);

  return {core::SendStatus::sent, "wrote " + target.string()};
}

}  // namespace touchpoint::mail
