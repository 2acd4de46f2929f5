// Bearer tokens: issued per rep, stored only as a hash, looked up by the service.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "service_fixture.hpp"

using namespace touchpoint;
using namespace touchpoint::testing;

namespace {

std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("a token issued to a rep authenticates as that rep; an unknown one as nobody",
          "[store]") {
  DemoService demo;
  auto token = demo.service->create_token(demo.anna.id, demo.now());
  CHECK(token.rfind("tp_", 0) == 0);
  CHECK(token.size() == 3 + 43);  // 32 bytes in unpadded base64url

  auto user = demo.service->authenticate(token);
  REQUIRE(user);
  CHECK(user->email == "rep.anna@touchpoint.test");
  CHECK(user->name == "Anna Berg");

  // Another token for the same rep is a different token, and both work.
  auto second = demo.service->create_token(demo.anna.id, demo.now());
  CHECK(second != token);
  CHECK(demo.service->authenticate(second));

  // Unknown, altered, truncated and empty tokens are nobody.
  auto altered = token;
  altered.back() = altered.back() == 'A' ? 'B' : 'A';
  CHECK_FALSE(demo.service->authenticate(altered));
  CHECK_FALSE(demo.service->authenticate(token.substr(0, token.size() - 1)));
  CHECK_FALSE(demo.service->authenticate("tp_" + std::string(43, 'x')));
  CHECK_FALSE(demo.service->authenticate(""));
  CHECK_FALSE(demo.service->authenticate("Bearer " + token));

  // A token for a rep who does not exist is refused.
  auto error = api_error_of([&] { demo.service->create_token(core::UserId{999}, demo.now()); });
  CHECK(error.status == 404);
}

TEST_CASE("the database holds no usable token, only its hash", "[store]") {
  DemoService demo;
  auto token = demo.service->create_token(demo.jisoo.id, demo.now());
  demo.store.reset();  // closes the connection (WAL content stays in the -wal file)
  auto stored = file_text(demo.cli.db()) + file_text(demo.cli.db().string() + "-wal");
  CHECK(stored.find(token) == std::string::npos);
  CHECK(stored.find(token.substr(3)) == std::string::npos);
}
