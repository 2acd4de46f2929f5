// store::Checkpointer against a real SQLite database: a writer's log reaches the database file
// only when the checkpointer is poked (the writer alone would wait for 1,000 pages), and a
// poke just before it stops is still honoured. A store opened to checkpoint in the background
// has its log copied after each commit, and its log still restarts. Beside them, with the same
// writer: the store's SQLite settings hold even in a process that opened SQLite itself first.
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Transaction.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <touchpoint/core/time.hpp>
#include <touchpoint/store/checkpointer.hpp>
#include <touchpoint/store/store.hpp>

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

// `count` prospects of about 3 KB each (a page apiece), numbered from `first`, in one
// transaction of the store's own connection.
void import_prospects(touchpoint::store::Store& store, int first, int count) {
  std::vector<touchpoint::core::Prospect> prospects(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    auto& p = prospects[static_cast<std::size_t>(i)];
    p.email = "p" + std::to_string(first + i) + "@nordvik.se";
    p.custom["notes"] = std::string(3000, static_cast<char>('a' + i % 26));
  }
  REQUIRE(store.prospects().import(prospects, {"notes"}, touchpoint::core::Timestamp{}));
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

TEST_CASE("a store that checkpoints in the background has its log copied after each commit",
          "[store][checkpointer]") {
  touchpoint::test::TempDir dir;
  auto path = dir.path() / "background.db";
  auto store = touchpoint::store::open_sqlite_store(path, {.checkpoint_in_background = true});
  const auto before = fs::file_size(path);
  import_prospects(*store, 0, 200);  // about 200 pages: SQLite alone would wait for 1,000
  CHECK(grows_past(path, before + 200 * 3000));
}

TEST_CASE("a store that checkpoints in the background keeps its log short",
          "[store][checkpointer]") {
  touchpoint::test::TempDir dir;
  auto path = dir.path() / "background.db";
  auto wal = path;
  wal += "-wal";
  {
    auto store = touchpoint::store::open_sqlite_store(path, {.checkpoint_in_background = true});
    // About 30,000 pages, 120 MB, in commits of 250 pages: the log restarts after its writer's
    // own checkpoint at 10,000 pages, so it never holds much more than that.
    for (int first = 0; first < 30'000; first += 250) import_prospects(*store, first, 250);
    CHECK(fs::file_size(wal) < 12'000u * 4096);
  }
  auto reopened = touchpoint::store::open_sqlite_store(path);
  CHECK(reopened->prospects().list({}).size() == 30'000u);
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
