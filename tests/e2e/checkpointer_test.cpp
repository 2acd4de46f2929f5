// store::Checkpointer against a real SQLite database: a writer's log reaches the database file
// only when the checkpointer is poked (the writer alone would wait for 1,000 pages), and a
// poke just before it stops is still honoured. Beside it, with the same writer: the store's
// SQLite settings hold even in a process that opened SQLite itself first.
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Transaction.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <touchpoint/store/checkpointer.hpp>

#include "python_json.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// A database in WAL mode holding an empty table, its log already copied in.
SQLite::Database writer_for(const fs::path& path) {
  SQLite::Database db(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("CREATE TABLE blobs (b BLOB)");
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  return db;
}

// About 100 pages: well under the 1,000 at which the writer would checkpoint by itself.
void write_rows(SQLite::Database& db) {
  SQLite::Transaction txn(db);
  for (int i = 0; i < 200; ++i) db.exec("INSERT INTO blobs VALUES (randomblob(2000))");
  txn.commit();
}

bool grows_past(const fs::path& path, std::uintmax_t size) {
  for (int i = 0; i < 500 && fs::file_size(path) < size; ++i) std::this_thread::sleep_for(10ms);
  return fs::file_size(path) >= size;
}

}  // namespace

TEST_CASE("a poked checkpointer copies the log into the database beside its writer",
          "[store][checkpointer]") {
  touchpoint::test::TempDir dir;
  auto path = dir.path() / "checkpoint.db";
  auto writer = writer_for(path);
  const auto before = fs::file_size(path);

  touchpoint::store::Checkpointer checkpointer(path, 1ms);
  write_rows(writer);
  std::this_thread::sleep_for(100ms);
  CHECK(fs::file_size(path) == before);  // not poked: the rows are only in the log
  CHECK(checkpointer.runs() == 0);

  checkpointer.poke();
  CHECK(grows_past(path, before + 200 * 2000));
  CHECK(checkpointer.runs() >= 1);
}

TEST_CASE("a checkpointer stopping after a poke checkpoints once more", "[store][checkpointer]") {
  touchpoint::test::TempDir dir;
  auto path = dir.path() / "checkpoint.db";
  auto writer = writer_for(path);
  const auto before = fs::file_size(path);
  {
    // An hour between checkpoints: the second one can come only from stopping.
    touchpoint::store::Checkpointer checkpointer(path, std::chrono::hours(1));
    checkpointer.poke();
    for (int i = 0; i < 500 && checkpointer.runs() == 0; ++i) std::this_thread::sleep_for(10ms);
    REQUIRE(checkpointer.runs() == 1);
    write_rows(writer);
    checkpointer.poke();
  }
  CHECK(fs::file_size(path) >= before + 200 * 2000);
}

// SQLite takes its configuration only before the first connection of the process, and a tool
// or test may open one itself (as writer_for does) before any store: the store's configuration
// must already be in place. With memory statistics off, SQLite counts no memory in use.
TEST_CASE("SQLite runs without memory statistics, even when the program opened it first",
          "[store]") {
  touchpoint::test::TempDir dir;
  auto writer = writer_for(dir.path() / "first.db");
  write_rows(writer);
  CHECK(sqlite3_memory_used() == 0);
}
