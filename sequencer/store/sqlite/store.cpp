#include <sqlite3.h>

#include <touchpoint/store/checkpointer.hpp>

#include "repositories.hpp"

#include "migrations.hpp"
#include "salesforce.hpp"

namespace touchpoint::store {
namespace sqlite {
namespace {

// Applies every migration newer than the database's user_version, each in its own transaction.
void migrate(SQLite::Database& db) {
  int current = db.execAndGet("PRAGMA user_version").getInt();
  for (const auto& [name, sql] : migration_files()) {
    int version = std::stoi(name);  // "0002_launches.sql" is version 2
    if (version <= current) continue;
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::EXCLUSIVE);
    db.exec(sql);
    db.exec("PRAGMA user_version = " + std::to_string(version));
    txn.commit();
  }
}

// With checkpoint_in_background, the committing connection checkpoints itself only once the
// log holds this many pages (40 MiB), ten times SQLite's default: a claim commits 1,500 pages
// at a time, so at the default it checkpointed after every commit, before the Checkpointer had
// copied anything, and waited for the log's and the database's fsyncs itself.
constexpr int kWriterCheckpointPages = 10'000;

class SqliteStore final : public Store {
 public:
  SqliteStore(const std::filesystem::path& path, const StoreOptions& options)
      // A store is used by one thread at a time (each engine, bridge worker and sync has its
      // own), so SQLite's per-connection mutex, taken by every API call, only costs.
      : db_(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX),
        users_(db_),
        prospects_(db_),
        sequences_(db_),
        enrollments_(db_),
        tasks_(db_),
        messages_(db_),
        events_(db_),
        inbound_(db_),
        work_(db_),
        salesforce_(db_),
        api_tokens_(db_),
        tracking_(db_),
        activity_(db_) {
    db_.setBusyTimeout(10000);
    // WAL: readers never block the writer; NORMAL sync is durable across application crashes
    // (a power cut may lose the last commits, never consistency).
    db_.exec("PRAGMA journal_mode = WAL");
    db_.exec("PRAGMA synchronous = NORMAL");
    db_.exec("PRAGMA foreign_keys = ON");
    // A write that touches more than 16 pages (a multi-row INSERT, a page split across several
    // indexes) spills its statement journal, which SQLite then keeps as a temporary file for
    // the rest of the transaction: every later statement wrote its pages there, one system
    // call each. In memory, the journal costs a copy.
    db_.exec("PRAGMA temp_store = MEMORY");
    // Database pages read through a memory map instead of copied in by read(): the sender
    // reads every queued body once, and mapping cut the store's time per sent message by a
    // tenth. 256 MiB of address space, no extra memory: the kernel's page cache backs both.
    db_.exec("PRAGMA mmap_size = 268435456");
    migrate(db_);
    if (options.checkpoint_in_background) {
      checkpointer_ = std::make_unique<Checkpointer>(path);
      sqlite3_wal_hook(db_.getHandle(), &SqliteStore::committed, this);
    }
  }

  ~SqliteStore() override {
    // Before the Checkpointer goes: nothing may poke it once it has.
    if (checkpointer_) sqlite3_wal_hook(db_.getHandle(), nullptr, nullptr);
  }
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  UserRepository& users() override { return users_; }
  ProspectRepository& prospects() override { return prospects_; }
  SequenceRepository& sequences() override { return sequences_; }
  EnrollmentRepository& enrollments() override { return enrollments_; }
  TaskRepository& tasks() override { return tasks_; }
  MessageRepository& messages() override { return messages_; }
  EventRepository& events() override { return events_; }
  InboundRepository& inbound() override { return inbound_; }
  WorkQueue& work() override { return work_; }
  SalesforceRepository& salesforce() override { return salesforce_; }
  ApiTokenRepository& api_tokens() override { return api_tokens_; }
  TrackingRepository& tracking() override { return tracking_; }
  ActivityRepository& activity() override { return activity_; }

  Version version() override {
    data_version_.executeStep();
    Version v{data_version_.getColumn(0).getInt64(), db_.getTotalChanges()};
    data_version_.reset();
    return v;
  }

 private:
  SQLite::Database db_;
  SqliteUsers users_;
  SqliteProspects prospects_;
  SqliteSequences sequences_;
  SqliteEnrollments enrollments_;
  SqliteTasks tasks_;
  SqliteMessages messages_;
  SqliteEvents events_;
  SqliteInbound inbound_;
  SqliteWorkQueue work_;
  SqliteSalesforce salesforce_;
  SqliteApiTokens api_tokens_;
  SqliteTracking tracking_;
  SqliteActivity activity_;
  SQLite::Statement data_version_{db_, "PRAGMA data_version"};
  std::unique_ptr<Checkpointer> checkpointer_;  // with checkpoint_in_background

  // After each commit in WAL mode. A hook replaces SQLite's own (wal_autocheckpoint), so this
  // one also does what that did, later: checkpoint once the log is long, which lets the log
  // restart from its beginning (a log checkpointed only from another connection, beside a busy
  // writer, never does). By then the Checkpointer has copied all but the last commits.
  static int committed(void* self, sqlite3* db, const char* schema, int pages) {
    static_cast<SqliteStore*>(self)->checkpointer_->poke();
    if (pages >= kWriterCheckpointPages)
      sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    return SQLITE_OK;
  }
};

}  // namespace
}  // namespace sqlite

std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& path, StoreOptions options) {
  try {
    return std::make_unique<sqlite::SqliteStore>(path, options);
  } catch (const SQLite::Exception& e) {
    throw std::runtime_error("cannot open database " + path.string() + ": " + e.what());
  }
}

}  // namespace touchpoint::store
