// Tracking and unsubscribe links on sent email, signed under the configured public URL.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <touchpoint/core/tokens.hpp>
#include <touchpoint/store/store.hpp>

#include "cli_fixture.hpp"

using touchpoint::testing::CliFixture;
using touchpoint::testing::fixture;

TEST_CASE(
    "sent email carries signed click, open and unsubscribe links; a reply quotes without the pixel",
    "[e2e]") {
  ::setenv("TP_TEST_TRACKING_SECRET", "a-test-secret-of-enough-length", 1);
  CliFixture cli;
  const auto config = (cli.dir() / "touchpoint.json").string();
  std::ofstream(config)
      << R"({"public_url": "https://touch.example.com", "secret_env": "TP_TEST_TRACKING_SECRET"})";
  auto tp = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", config});
    return cli.ok(args);
  };
  cli.load_samples({"--config", config});
  tp({"enroll", "--sequence", "1", "--prospects", "all", "--start", "2026-03-02T07:00:00Z"});
  tp({"tick", "--now", "2026-03-04T12:00:00Z"});  // step 1 and the threaded step 2 for Åsa

  auto store = touchpoint::store::open_sqlite_store(cli.db());
  std::string first_html, reply_html, first_id, unsubscribe;
  for (const auto& m : store->messages().list(std::nullopt)) {
    if (m.message.to_email != "asa.lindstrom@nordvik.se") continue;
    if (m.position == 1)
      first_html = m.message.html, first_id = m.message.message_id,
      unsubscribe = m.message.unsubscribe_url;
    if (m.position == 2) reply_html = m.message.html;
  }
  REQUIRE_FALSE(first_html.empty());
  REQUIRE_FALSE(reply_html.empty());
  // The tour link now goes through the signed redirect, to the tour and nowhere else.
  auto at = first_html.find("https://touch.example.com/c/");
  REQUIRE(at != std::string::npos);
  auto end = first_html.find('"', at);
  auto token = touchpoint::core::verify_token(first_html.substr(at + 28, end - at - 28),
                                              "a-test-secret-of-enough-length", {});
  REQUIRE(token);
  CHECK(token->url == "https://touchpoint.test/tour");
  CHECK_THAT(first_html,
             Catch::Contains(R"(<img class="tp-open" src="https://touch.example.com/o/v1.)"));
  CHECK(unsubscribe.rfind("https://touch.example.com/u/v1.", 0) == 0);
  // The reply has its own pixel, and quotes the first email without the first's pixel.
  CHECK(reply_html.find("tp-open") == reply_html.rfind("tp-open"));
  CHECK(reply_html.find("tp-open") < reply_html.find("<blockquote"));

  // The sent file has both unsubscribe forms and RFC 8058 one-click.
  std::ifstream in(cli.outbox() / (first_id + ".eml"));
  std::stringstream raw;
  raw << in.rdbuf();
  CHECK_THAT(raw.str(), Catch::Contains("List-Unsubscribe: <" + unsubscribe + ">,"));
  CHECK_THAT(raw.str(), Catch::Contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
}

TEST_CASE("a public URL without a signing secret is refused", "[e2e]") {
  CliFixture cli;
  const auto config = (cli.dir() / "touchpoint.json").string();
  std::ofstream(config) << R"({"public_url": "https://touch.example.com"})";
  auto r = cli.run({"--config", config, "tick"});
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("secret_env: is required with public_url"));
}
