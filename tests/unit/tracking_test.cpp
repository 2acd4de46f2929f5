#include <catch2/catch.hpp>

#include <regex>

#include <touchpoint/core/tracking.hpp>

using namespace touchpoint::core;

TEST_CASE("links are rewritten to signed click redirects and an open pixel is added", "[unit]") {
  TrackingUrls urls{"https://touch.example.com/", "secret", 41};
  std::string html =
      R"(<p>Hi <a href="https://touchpoint.test/tour?a=1&amp;b=2">tour</a>, )"
      R"(<a class="x" href='http://example.com/x'>x</a>, <a href="mailto:a@b.c">mail</a> <a href="#top">top</a></p>)";
  auto tracked = add_tracking(html, urls);
  std::smatch m;
  std::regex click(R"(https://touch\.example\.com/c/([A-Za-z0-9._-]+))");
  std::vector<std::string> targets;
  for (auto it = std::sregex_iterator(tracked.begin(), tracked.end(), click);
       it != std::sregex_iterator(); ++it) {
    auto token = verify_token((*it)[1].str(), "secret", Timestamp{});
    REQUIRE(token);
    CHECK(token->kind == TrackingToken::Kind::click);
    CHECK(token->step_run == 41);
    targets.push_back(token->url);
  }
  CHECK(targets ==
        std::vector<std::string>{"https://touchpoint.test/tour?a=1&b=2", "http://example.com/x"});
  CHECK_THAT(tracked, Catch::Contains(R"(href="mailto:a@b.c")"));
  CHECK_THAT(tracked, Catch::Contains(R"(href="#top")"));
  CHECK_THAT(tracked,
             Catch::Contains(R"(<img class="tp-open" src="https://touch.example.com/o/v1.)"));
  CHECK(without_open_pixel(tracked).find("tp-open") == std::string::npos);
  CHECK_THAT(without_open_pixel(tracked), Catch::Contains("/c/v1."));

  auto unsubscribe = unsubscribe_url(urls);
  REQUIRE(unsubscribe.rfind("https://touch.example.com/u/", 0) == 0);
  auto token = verify_token(unsubscribe.substr(28), "secret", Timestamp{});
  REQUIRE(token);
  CHECK(token->kind == TrackingToken::Kind::unsubscribe);
}
