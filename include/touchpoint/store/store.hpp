#pragma once
// A store: one database connection and its repositories. Not thread-safe: each thread that
// reads or writes opens its own.

#include <cstdint>
#include <filesystem>
#include <memory>

#include <touchpoint/store/repositories.hpp>
#include <touchpoint/store/salesforce.hpp>
#include <touchpoint/store/work_queue.hpp>

namespace touchpoint::store {

class Store {
 public:
  virtual ~Store() = default;
  virtual UserRepository& users() = 0;
  virtual ProspectRepository& prospects() = 0;
  virtual SequenceRepository& sequences() = 0;
  virtual EnrollmentRepository& enrollments() = 0;
  virtual TaskRepository& tasks() = 0;
  virtual MessageRepository& messages() = 0;
  virtual EventRepository& events() = 0;
  virtual InboundRepository& inbound() = 0;
  virtual WorkQueue& work() = 0;
  virtual SalesforceRepository& salesforce() = 0;
  virtual ApiTokenRepository& api_tokens() = 0;
  virtual TrackingRepository& tracking() = 0;
  virtual ActivityRepository& activity() = 0;

  // Changes whenever the database does, through this connection or any other: two equal
  // versions mean nothing was written in between, so a page read at the first still holds.
  struct Version {
    std::int64_t others = 0;  // commits by other connections (SQLite's data_version)
    std::int64_t own = 0;     // rows changed through this connection
    bool operator==(const Version&) const = default;
  };
  virtual Version version() = 0;
};

struct StoreOptions {
  // For a connection that writes much (the engine, the CLI): after each of its commits, a
  // Checkpointer (checkpointer.hpp) of its own copies the write-ahead log into the database on
  // another thread. The committing thread checkpoints itself only when the log passes 10,000
  // pages (SQLite's default: 1,000), so that the log restarts; there is little left to copy.
  bool checkpoint_in_background = false;
};

// Opens (creating when missing) a SQLite database in WAL mode and applies pending migrations.
// Throws std::runtime_error naming the path when it cannot.
std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& path,
                                         StoreOptions options = {});

}  // namespace touchpoint::store
