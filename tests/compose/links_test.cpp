// Every compose link is decoded by Python's urllib.parse, never by our own code, and compared
// with the task's fields.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <touchpoint/compose/compose.hpp>

#include "compose_samples.hpp"
#include "python_decoder.hpp"

using touchpoint::compose::Client;
using touchpoint::compose::compose_for;
using touchpoint::compose::ComposeInput;
using touchpoint::compose::ComposeResult;
using touchpoint::compose::kUrlLengthLimit;
using namespace touchpoint::compose::test;

namespace {

ComposeResult compose(const ComposeInput& in, Client client) {
  auto r = compose_for(in, client);
  if (!r) FAIL(r.error().message);
  return *r;
}

std::string one(const nlohmann::json& query, const char* name) {
  INFO("query parameter " << name << " in " << query.dump());
  REQUIRE(query.contains(name));
  REQUIRE(query[name].size() == 1);
  return query[name][0].get<std::string>();
}

std::string crlf(const std::string& lf) {
  std::string out;
  for (char c : lf) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

// Both readings of a query - a web server's ("+" is a space) and RFC 3986's ("+" is "+") -
// agree only when no "+" stands for anything: every one in the text is %2B, every space %20.
void require_unambiguous(const std::string& url, const nlohmann::json& decoded) {
  INFO(url);
  CHECK(url.find('+') == std::string::npos);
  CHECK(url.find(' ') == std::string::npos);
  CHECK(url.find('\n') == std::string::npos);
  CHECK(decoded["query_form"] == decoded["query_pct"]);
  CHECK(decoded["fragment"] == "");  // a "#" in the text never cuts the link short
}

}  // namespace

TEST_CASE("compose links decode to the task's fields in every client", "[unit]") {
  const Sample samples[] = {swedish(), korean()};
  for (const auto& sample : samples) {
    const std::string subject =
        std::string(sample.name) == "Korean" ? korean_subject() : sample.input.subject;
    const auto gmail = compose(sample.input, Client::gmail);
    const auto office = compose(sample.input, Client::outlook);
    const auto live = compose(sample.input, Client::outlook_live);
    const auto mailto = compose(sample.input, Client::mailto);
    const auto decoded = decode_urls({gmail.url, office.url, live.url, mailto.url});

    SECTION(std::string(sample.name) + ": Gmail on the web, the rep's account selected") {
      const auto& g = decoded[0];
      require_unambiguous(gmail.url, g);
      CHECK(g["scheme"] == "https");
      CHECK(g["netloc"] == "mail.google.com");
      CHECK(g["path"] == "/mail/");
      const auto& q = g["query_pct"];
      CHECK(one(q, "authuser") == sample.input.from_email);
      CHECK(one(q, "view") == "cm");
      CHECK(one(q, "fs") == "1");
      CHECK(one(q, "to") == sample.input.to_email);
      CHECK(one(q, "su") == subject);
      CHECK(one(q, "body") == sample.text);
      CHECK_FALSE(gmail.too_long);
      CHECK(gmail.note.empty());
    }
    SECTION(std::string(sample.name) + ": Outlook on the web, office.com and live.com") {
      for (std::size_t i : {1u, 2u}) {
        const auto& o = decoded[i];
        const auto& url = i == 1 ? office.url : live.url;
        require_unambiguous(url, o);
        CHECK(o["scheme"] == "https");
        CHECK(o["netloc"] == (i == 1 ? "outlook.office.com" : "outlook.live.com"));
        CHECK(o["path"] == (i == 1 ? "/mail/deeplink/compose" : "/mail/0/deeplink/compose"));
        const auto& q = o["query_pct"];
        CHECK(one(q, "to") == sample.input.to_email);
        CHECK(one(q, "subject") == subject);
        CHECK(one(q, "body") == sample.text);
        CHECK(q.size() == 3);
      }
    }
    SECTION(std::string(sample.name) + ": mailto per RFC 6068, CRLF line breaks") {
      const auto& m = decoded[3];
      require_unambiguous(mailto.url, m);
      CHECK(m["scheme"] == "mailto");
      CHECK(m["path_decoded"] == sample.input.to_email);
      // RFC 6068 2: "%", "#", "?" and "&" in the address are encoded; the raw path holds none.
      CHECK(m["path"].get<std::string>().find_first_of("#?&") == std::string::npos);
      const auto& q = m["query_pct"];
      CHECK(one(q, "subject") == subject);
      CHECK(one(q, "body") == crlf(sample.text));
      CHECK_FALSE(q.contains("In-Reply-To"));
      CHECK(mailto.url.find("%0D%0A") != std::string::npos);
    }
  }
}

TEST_CASE("web links break lines with %0A only, mailto with %0D%0A only", "[unit]") {
  auto in = swedish().input;
  in.html = "one<br>two<br>three";
  const auto gmail = compose(in, Client::gmail);
  const auto office = compose(in, Client::outlook);
  const auto mailto = compose(in, Client::mailto);
  CHECK(gmail.url.find("body=one%0Atwo%0Athree") != std::string::npos);
  CHECK(gmail.url.find("%0D") == std::string::npos);
  CHECK(office.url.find("body=one%0Atwo%0Athree") != std::string::npos);
  CHECK(office.url.find("%0D") == std::string::npos);
  CHECK(mailto.url.find("body=one%0D%0Atwo%0D%0Athree") != std::string::npos);
}

TEST_CASE("a threaded step's links say they cannot thread, and mailto carries the headers",
          "[unit]") {
  const auto in = swedish_threaded();
  const auto gmail = compose(in, Client::gmail);
  const auto office = compose(in, Client::outlook);
  const auto mailto = compose(in, Client::mailto);
  const auto decoded = decode_urls({gmail.url, office.url, mailto.url});
  const std::string reply_subject = "Re: " + in.reply_to->subject;

  CHECK(one(decoded[0]["query_pct"], "su") == reply_subject);
  CHECK(one(decoded[1]["query_pct"], "subject") == reply_subject);
  const auto& q = decoded[2]["query_pct"];
  require_unambiguous(mailto.url, decoded[2]);
  CHECK(one(q, "subject") == reply_subject);
  CHECK(one(q, "In-Reply-To") == "<tp.40.77aa+x@touchpoint.test>");
  CHECK(one(q, "References") ==
        "<CAH7x+Ok3Yq=3Qm8e5@mail.gmail.com> <tp.39.1b2c@touchpoint.test> "
        "<tp.40.77aa+x@touchpoint.test>");

  CHECK_THAT(gmail.note, Catch::Contains("gmail_draft"));
  CHECK_THAT(office.note, Catch::Contains("office_js"));
  CHECK_THAT(mailto.note, Catch::Contains("In-Reply-To"));
}

TEST_CASE("a link past about 2,000 characters is flagged and still given", "[unit]") {
  // Find the body length at which the Gmail link is exactly at the limit.
  auto in = swedish().input;
  in.html = "";
  const std::size_t base = compose(in, Client::gmail).url.size();
  REQUIRE(base < kUrlLengthLimit);
  in.html = std::string(kUrlLengthLimit - base, 'a');
  const auto at_limit = compose(in, Client::gmail);
  REQUIRE(at_limit.url.size() == kUrlLengthLimit);
  CHECK_FALSE(at_limit.too_long);
  CHECK(at_limit.note.empty());

  in.html += "a";
  const auto over = compose(in, Client::gmail);
  CHECK(over.url.size() == kUrlLengthLimit + 1);
  CHECK(over.too_long);
  CHECK_THAT(over.note, Catch::Contains("2001 characters") && Catch::Contains("gmail_draft"));

  // A long Korean body: each character is 9 characters of link. Still a whole, decodable link.
  auto korean_in = korean().input;
  std::string long_text;
  for (int i = 0; i < 300; ++i) long_text += "감사합니다 ";
  korean_in.html = "<p>" + long_text + "</p>";
  for (Client c : {Client::outlook, Client::outlook_live, Client::mailto}) {
    const auto r = compose(korean_in, c);
    INFO(touchpoint::compose::to_string(c));
    CHECK(r.too_long);
    CHECK_THAT(r.note, Catch::Contains(c == Client::mailto ? "client=gmail" : "office_js"));
    const auto d = decode_urls({r.url});
    long_text.pop_back();  // html_to_text trims the trailing space
    CHECK(one(d[0]["query_pct"], "body") == long_text);
    long_text += ' ';
  }
}
