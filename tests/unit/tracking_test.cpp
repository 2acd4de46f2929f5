#include <catch2/catch.hpp>

#include <random>
#include <regex>
#include <string>
#include <vector>

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

namespace {

// The rewriting as first written, with a regular expression: the reference the scanner in
// add_tracking must agree with.
std::string add_tracking_by_regex(const std::string& html, const TrackingUrls& urls) {
  static const std::regex link(R"((<a\b[^>]*?\bhref\s*=\s*)(["'])(https?://[^"']+)\2)",
                               std::regex::icase);
  std::string base = urls.public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string out;
  std::size_t last = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), link); it != std::sregex_iterator();
       ++it) {
    const auto& m = *it;
    out.append(html, last, static_cast<std::size_t>(m.position(0)) - last);
    std::string url = std::regex_replace(m[3].str(), std::regex("&amp;"), "&");
    out += m[1].str() + m[2].str() + base + "/c/" +
           sign_token({TrackingToken::Kind::click, urls.step_run, url, 0}, urls.secret) +
           m[2].str();
    last = static_cast<std::size_t>(m.position(0) + m.length(0));
  }
  out.append(html, last, std::string::npos);
  return out;
}

}  // namespace

TEST_CASE("link rewriting agrees with the regular expression it replaced", "[unit]") {
  TrackingUrls urls{"https://t.example/", "secret", 7};
  auto without_pixel = [&](const std::string& html) {
    auto tracked = add_tracking(html, urls);
    const auto pixel = tracked.rfind("<img class=\"tp-open\"");
    REQUIRE(pixel != std::string::npos);
    return tracked.substr(0, pixel);
  };
  const std::vector<std::string> cases = {
      R"(<a href="https://x.test/a">a</a>)",
      R"(<A HREF = 'HTTP://X.TEST/B'>b</A>)",
      "<a\nhref\t=\n\"http://x.test/c?d=1&amp;e=2&amp;f\">c</a>",
      R"(<abbr href="https://x.test/no">no</abbr><area href="http://x.test/no">)",
      R"(<a xhref="https://x.test/no">no</a> <a data-href="https://x.test/yes">yes</a>)",
      R"(<a href="mailto:a@b.c" title="x"> <a href="ftp://x.test/">)",
      R"(<a href="https://">empty</a> <a href="https://x.test/a'b">mixed</a>)",
      R"(<a title="go" href="https://x.test/1" href="https://x.test/2">two</a>)",
      R"(<a class="b">no href</a> href="https://x.test/outside")",
      R"(<a title=">" href="https://x.test/after-gt">)",
      R"(<a href="https://x.test/unterminated)",
      "<a",
      "",
  };
  for (const auto& html : cases) {
    INFO(html);
    CHECK(without_pixel(html) == add_tracking_by_regex(html, urls));
  }

  // And on random strings built from the pieces that matter to either.
  const std::vector<std::string> pieces = {
      "<a", "<A", "<ab", " ",       "\n",       "href",     "HREF",    "x", "-",     "=",  "\"",
      "'",  ">",  "<",   "http://", "https://", "HTTPS://", "mailto:", "q", "&amp;", "/p", "é"};
  std::mt19937 random(2026);
  for (int n = 0; n < 4000; ++n) {
    std::string html;
    const auto length = random() % 24;
    for (std::size_t i = 0; i < length; ++i) html += pieces[random() % pieces.size()];
    INFO(html);
    REQUIRE(without_pixel(html) == add_tracking_by_regex(html, urls));
  }
}

TEST_CASE("the open pixel is removed wherever it is, and nothing else", "[unit]") {
  const std::string pixel = R"(<img class="tp-open" src="https://t.example/o/v1.a.b">)";
  CHECK(without_open_pixel("a" + pixel + "b" + pixel) == "ab");
  CHECK(without_open_pixel(R"(<img class="logo" src="x">)") == R"(<img class="logo" src="x">)");
  CHECK(without_open_pixel(R"(x<img class="tp-open" src="cut)") ==
        R"(x<img class="tp-open" src="cut)");
}
