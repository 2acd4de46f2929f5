#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <touchpoint/mail/folder_transport.hpp>
#include <touchpoint/mail/mime.hpp>

#include "mail_test_support.hpp"

namespace fs = std::filesystem;
using touchpoint::core::OutgoingMessage;
using touchpoint::core::SendStatus;
using touchpoint::mail::build_mime;
using touchpoint::mail::FolderTransport;
using touchpoint::mail::test::korean_follow_up;
using touchpoint::mail::test::TempDir;

namespace {

std::set<std::string> file_names(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename());
  return names;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

OutgoingMessage numbered(int n) {
  auto m = korean_follow_up();
  m.message_id = "tp." + std::to_string(n) + ".c0ffee@touch.example.com";
  return m;
}

}  // namespace

TEST_CASE("the folder transport writes one <message-id>.eml per message and nothing else",
          "[unit]") {
  TempDir dir;
  FolderTransport transport(dir.path());
  for (int n = 1; n <= 3; ++n) {
    const auto outcome = transport.send(numbered(n));
    CHECK(outcome.status == SendStatus::sent);
    CHECK_THAT(outcome.detail, Catch::Contains(numbered(n).message_id + ".eml"));
  }
  CHECK(file_names(dir.path()) == std::set<std::string>{"tp.1.c0ffee@touch.example.com.eml",
                                                        "tp.2.c0ffee@touch.example.com.eml",
                                                        "tp.3.c0ffee@touch.example.com.eml"});
  CHECK(read_file(dir.path() / "tp.2.c0ffee@touch.example.com.eml") == build_mime(numbered(2)));
}

TEST_CASE("the folder transport creates a missing folder", "[unit]") {
  TempDir dir;
  const auto outbox = dir.path() / "spool" / "outbox";
  FolderTransport transport(outbox);
  CHECK(fs::is_directory(outbox));
  CHECK(transport.send(numbered(1)).status == SendStatus::sent);
  CHECK(fs::exists(outbox / "tp.1.c0ffee@touch.example.com.eml"));
}

TEST_CASE("sending the same message id again replaces its file", "[unit]") {
  TempDir dir;
  FolderTransport transport(dir.path());
  auto message = numbered(7);
  REQUIRE(transport.send(message).status == SendStatus::sent);
  message.subject = "Second version";
  REQUIRE(transport.send(message).status == SendStatus::sent);
  CHECK(file_names(dir.path()).size() == 1);
  CHECK(read_file(dir.path() / (message.message_id + ".eml")) == build_mime(message));
}

TEST_CASE("a message id that cannot name a file is refused as permanent", "[unit]") {
  TempDir dir;
  FolderTransport transport(dir.path());
  auto message = numbered(1);
  SECTION("a slash") {
    message.message_id = "../escape@x.test";
  }
  SECTION("a leading dot") {
    message.message_id = ".hidden@x.test";
  }
  SECTION("empty") {
    message.message_id.clear();
  }
  const auto outcome = transport.send(message);
  CHECK(outcome.status == SendStatus::permanent);
  CHECK(file_names(dir.path()).empty());
  CHECK(file_names(dir.path().parent_path()).count("escape@x.test.eml") == 0);
}

TEST_CASE("a message that cannot be built is refused as permanent", "[unit]") {
  TempDir dir;
  FolderTransport transport(dir.path());
  auto message = numbered(1);
  message.to_email = "kim@example.kr>\r\nBcc: x@example.com";
  const auto outcome = transport.send(message);
  CHECK(outcome.status == SendStatus::permanent);
  CHECK_THAT(outcome.detail, Catch::Contains("to_email"));
  CHECK(file_names(dir.path()).empty());
}

TEST_CASE("an I/O error is transient and says what failed", "[unit]") {
  TempDir dir;
  const auto outbox = dir.path() / "outbox";
  FolderTransport transport(outbox);
  fs::remove_all(outbox);  // the folder disappears under the transport
  const auto outcome = transport.send(numbered(1));
  CHECK(outcome.status == SendStatus::transient);
  CHECK_THAT(outcome.detail, Catch::Contains(outbox.string()));
  CHECK_THAT(outcome.detail, Catch::Contains("No such file or directory"));
}

TEST_CASE("sends from many threads at once each leave one whole file and no temporaries",
          "[unit]") {
  TempDir dir;
  FolderTransport transport(dir.path());
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Threads share half their ids, so the same file is also replaced concurrently.
        const int n = (i % 2 == 0) ? t * kPerThread + i : i;
        if (transport.send(numbered(n)).status != SendStatus::sent)
          ++failures[static_cast<std::size_t>(t)];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int f : failures) CHECK(f == 0);

  std::set<std::string> expected;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      const int n = (i % 2 == 0) ? t * kPerThread + i : i;
      expected.insert(numbered(n).message_id + ".eml");
    }
  }
  CHECK(file_names(dir.path()) == expected);
  for (const auto& name : expected) {
    const auto id = name.substr(0, name.size() - 4);
    auto message = korean_follow_up();
    message.message_id = id;
    CHECK(read_file(dir.path() / name) == build_mime(message));
  }
}
