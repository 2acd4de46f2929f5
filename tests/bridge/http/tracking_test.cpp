// The public tracking endpoints over real HTTP, on tokens signed with the configured secret.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <touchpoint/core/tokens.hpp>

#include "bridge_fixture.hpp"

using namespace touchpoint::testing;
namespace core = touchpoint::core;

namespace {

struct SentStep {
  std::int64_t step_run = 0;
  std::int64_t enrollment = 0;
};

// A step whose email the demo's first tick sent.
SentStep sent_step(const std::filesystem::path& db) {
  SQLite::Database database(db.string(), SQLite::OPEN_READONLY);
  SQLite::Statement q(database,
                      "SELECT step_run_id, enrollment_id FROM messages WHERE state = 'sent' "
                      "ORDER BY id LIMIT 1");
  REQUIRE(q.executeStep());
  return {q.getColumn(0).getInt64(), q.getColumn(1).getInt64()};
}

std::string sign(core::TrackingToken::Kind kind, std::int64_t step_run, std::string url = "",
                 std::string_view secret = kSecret) {
  core::TrackingToken t;
  t.kind = kind;
  t.step_run = step_run;
  t.url = std::move(url);
  return core::sign_token(t, secret);
}

// The same token with one character of its signature changed.
std::string forged(std::string token) {
  // A middle character: the last one of base64 may carry only padding bits.
  auto& c = token[token.size() - 5];
  c = c == 'A' ? 'B' : 'A';
  return token;
}

}  // namespace

TEST_CASE("the open pixel is a 43-byte GIF that is never cached", "[net]") {
  BridgeFixture f;
  auto step = sent_step(f.db());
  auto r = f.client().get("/o/" + sign(core::TrackingToken::Kind::open, step.step_run),
                          {{"User-Agent", "Mozilla/5.0 (test)"}});
  CHECK(r.result_int() == 200);
  CHECK(std::string(r[bhttp::field::content_type]) == "image/gif");
  CHECK(r.body().size() == 43);
  CHECK(r.body().rfind("GIF89a", 0) == 0);
  CHECK(std::string(r[bhttp::field::cache_control]).find("no-store") != std::string::npos);
}

TEST_CASE("a forged or foreign tracking token is rejected", "[net]") {
  BridgeFixture f;
  auto step = sent_step(f.db());
  auto c = f.client();
  auto open = c.get("/o/" + forged(sign(core::TrackingToken::Kind::open, step.step_run)));
  CHECK(open.result_int() == 404);
  CHECK(std::string(open[bhttp::field::content_type]) != "image/gif");

  auto click = c.get("/c/" + sign(core::TrackingToken::Kind::click, step.step_run,
                                  "https://evil.test/", "another-secret-0123456789"));
  CHECK(click.result_int() == 404);
  CHECK(click[bhttp::field::location].empty());

  auto unsubscribe = c.post("/u/" + forged(sign(core::TrackingToken::Kind::unsubscribe, step.step_run)),
                            "List-Unsubscribe=One-Click", {}, "application/x-www-form-urlencoded");
  CHECK(unsubscribe.result_int() == 404);
  auto enrollment = f.store().enrollments().get(core::EnrollmentId{step.enrollment});
  REQUIRE(enrollment);
  CHECK(enrollment->state != core::EnrollmentState::exited);
}

TEST_CASE("the click redirect goes only to the URL signed into the token", "[net]") {
  BridgeFixture f;
  auto step = sent_step(f.db());
  auto c = f.client();
  const std::string url = "https://www.touchpoint.test/pricing?plan=team&ref=mail#top";
  auto good = sign(core::TrackingToken::Kind::click, step.step_run, url);
  auto r = c.get("/c/" + good);
  CHECK(r.result_int() == 302);
  CHECK(std::string(r[bhttp::field::location]) == url);

  // Query parameters cannot steer it elsewhere.
  auto steered = c.get("/c/" + good + "?url=https://evil.test/&next=https://evil.test/");
  CHECK(std::string(steered[bhttp::field::location]) == url);

  // Another token's payload with this token's signature is refused.
  auto other = sign(core::TrackingToken::Kind::click, step.step_run, "https://evil.test/");
  auto spliced = other.substr(0, other.rfind('.')) + good.substr(good.rfind('.'));
  auto bad = c.get("/c/" + spliced);
  CHECK(bad.result_int() == 404);
  CHECK(bad[bhttp::field::location].empty());
}

TEST_CASE("a one-click unsubscribe POST with no cookie ends the enrollment", "[net]") {
  BridgeFixture f;
  auto step = sent_step(f.db());
  auto token = sign(core::TrackingToken::Kind::unsubscribe, step.step_run);
  auto c = f.client();
  auto page = c.get("/u/" + token);
  CHECK(page.result_int() == 200);
  CHECK(std::string(page[bhttp::field::content_type]).rfind("text/html", 0) == 0);
  CHECK(page.body().find("<form") != std::string::npos);
  // Looking at the page changes nothing.
  CHECK(f.store().enrollments().get(core::EnrollmentId{step.enrollment})->state !=
        core::EnrollmentState::exited);

  auto r = c.post("/u/" + token, "List-Unsubscribe=One-Click", {},
                  "application/x-www-form-urlencoded");
  CHECK(r.result_int() == 200);
  CHECK(r[bhttp::field::set_cookie].empty());
  auto enrollment = f.store().enrollments().get(core::EnrollmentId{step.enrollment});
  REQUIRE(enrollment);
  CHECK(enrollment->state == core::EnrollmentState::exited);
  CHECK(enrollment->exit_cause == core::ExitCause::unsubscribe);
}
