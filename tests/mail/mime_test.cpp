#include <catch2/catch.hpp>

#include <algorithm>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <touchpoint/mail/mime.hpp>

#include "mail_test_support.hpp"

using touchpoint::core::OutgoingMessage;
using touchpoint::mail::build_mime;
using touchpoint::mail::html_to_text;
using touchpoint::mail::test::korean_follow_up;
using touchpoint::mail::test::parse_with_python;

namespace {

std::string str(const nlohmann::json& j) {
  return j.get<std::string>();
}

std::vector<std::string> split_ws(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Checks the wire form: CRLF line ends only, no line longer than 998 octets (RFC 5322 2.1.1).
void require_wire_form(const std::string& raw) {
  std::size_t line_start = 0;
  std::size_t longest = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\n') {
      INFO("offset " << i);
      REQUIRE(i > 0);
      REQUIRE(raw[i - 1] == '\r');
      longest = std::max(longest, i - 1 - line_start);
      line_start = i + 1;
    } else if (raw[i] == '\r') {
      INFO("offset " << i);
      REQUIRE(i + 1 < raw.size());
      REQUIRE(raw[i + 1] == '\n');
    }
  }
  REQUIRE(line_start == raw.size());  // ends with CRLF
  CHECK(longest <= 998);
}

// RFC 2047 2: an encoded word is at most 75 characters, a header line holding one at most 76.
void require_rfc2047_limits(const std::string& raw) {
  const std::string head = raw.substr(0, raw.find("\r\n\r\n") + 2);
  const std::regex encoded_word(R"(=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)");
  std::size_t start = 0;
  while (start < head.size()) {
    const std::size_t end = head.find("\r\n", start);
    const std::string line = head.substr(start, end - start);
    for (auto it = std::sregex_iterator(line.begin(), line.end(), encoded_word);
         it != std::sregex_iterator(); ++it) {
      INFO(line);
      CHECK(it->length() <= 75);
      CHECK(line.size() <= 76);
    }
    start = end + 2;
  }
}

void require_clean_parse(const nlohmann::json& parsed) {
  INFO(parsed.dump(2));
  CHECK(parsed["defects"].empty());
  CHECK(parsed["bad_encoded_words"].empty());
  CHECK(parsed["header_is_ascii"].get<bool>());
}

}  // namespace

TEST_CASE("non-ASCII display names decode to exactly the names given", "[unit]") {
  const auto parsed = parse_with_python(build_mime(korean_follow_up()));
  require_clean_parse(parsed);
  REQUIRE(parsed["from"].size() == 1);
  CHECK(str(parsed["from"][0]["name"]) == "Åsa Lindström");
  CHECK(str(parsed["from"][0]["address"]) == "asa.lindstrom@touchpoint.test");
  REQUIRE(parsed["to"].size() == 1);
  CHECK(str(parsed["to"][0]["name"]) == "김민준");
  CHECK(str(parsed["to"][0]["address"]) == "minjun.kim@example.kr");
}

TEST_CASE("a long Korean subject is encoded, folded and decodes exactly", "[unit]") {
  const auto message = korean_follow_up();
  const auto raw = build_mime(message);
  const auto parsed = parse_with_python(raw);
  require_clean_parse(parsed);
  CHECK(str(parsed["headers"]["Subject"]) == message.subject);
  CHECK(raw.find("Subject: =?utf-8?") != std::string::npos);
  CHECK(raw.find("?=\r\n =?utf-8?") != std::string::npos);  // folded into several words
}

TEST_CASE("encoded words stay within RFC 2047's 75 characters, their lines within 76", "[unit]") {
  // Prefixes shift where vmime cuts; 4-octet characters (emoji) Q-encode to 12 characters.
  const std::string bodies[] = {
      "김민준님, 다음 주에 잠깐 통화 가능하실까요? 저희 서비스를 소개해 드리고 싶습니다 정말로",
      "Snabb fråga om Göteborgs kontor — åååååååååååååååååååååå ööööööööööööööööööö äää",
      "Hi 😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀 and a few more words at the end",
      "Mostly ASCII text with one é here and there, long enough to need several encoded words"};
  for (const auto& body : bodies) {
    for (const std::string prefix : {"", "x", "Re: ", "xxxxxxxxxxxxx"}) {
      auto message = korean_follow_up();
      message.subject = prefix + body;
      message.to_name = prefix + body;
      message.from_name = body + prefix;
      const auto raw = build_mime(message);
      require_rfc2047_limits(raw);
      const auto parsed = parse_with_python(raw);
      require_clean_parse(parsed);
      CHECK(str(parsed["headers"]["Subject"]) == message.subject);
      CHECK(str(parsed["strict_names"]["To"]) == message.to_name);
      CHECK(str(parsed["strict_names"]["From"]) == message.from_name);
    }
  }
}

TEST_CASE("Swedish and Dutch subjects decode exactly", "[unit]") {
  for (const std::string subject :
       {"Snabb fråga om Göteborgs kontor, Åsa", "Snel vraagje over Café ’t Hoekje — ĳs",
        "Quick question, Anna"}) {
    auto message = korean_follow_up();
    message.subject = subject;
    const auto raw = build_mime(message);
    const auto parsed = parse_with_python(raw);
    require_clean_parse(parsed);
    CHECK(str(parsed["headers"]["Subject"]) == subject);
  }
}

TEST_CASE("an ASCII subject and name stay readable, unencoded", "[unit]") {
  auto message = korean_follow_up();
  message.from_name = "Anna Berg";
  message.subject =
      "Quick question about your Q1 plans for the Nordics, Anna: a long line that folds";
  const auto raw = build_mime(message);
  const auto from_at = raw.find("\r\nFrom: ") + 2;
  const auto from_line = raw.substr(from_at, raw.find("\r\n", from_at) - from_at);
  CHECK_THAT(from_line, Catch::Contains("Anna Berg") && !Catch::Contains("=?"));
  CHECK(raw.find("Subject: Quick question") != std::string::npos);
  const auto parsed = parse_with_python(raw);
  require_clean_parse(parsed);
  CHECK(str(parsed["headers"]["Subject"]) == message.subject);
  CHECK(str(parsed["from"][0]["name"]) == "Anna Berg");
}

TEST_CASE("names with commas, quotes and apostrophes decode exactly", "[unit]") {
  auto message = korean_follow_up();
  message.from_name = "O'Brien, Pat";
  message.to_name = "Jan \"JD\" de Vries, 김 (Seoul)";
  const auto parsed = parse_with_python(build_mime(message));
  require_clean_parse(parsed);
  REQUIRE(parsed["to"].size() == 1);
  CHECK(str(parsed["from"][0]["name"]) == "O'Brien, Pat");
  CHECK(str(parsed["to"][0]["name"]) == message.to_name);
  CHECK(str(parsed["to"][0]["address"]) == "minjun.kim@example.kr");
}

TEST_CASE("a display name too long for one encoded word folds and decodes exactly", "[unit]") {
  auto message = korean_follow_up();
  message.to_name = "Jan \"JD\" de Vries-Lindström, 김민준 (Seoul office, Gangnam-gu)";
  const auto raw = build_mime(message);
  require_wire_form(raw);
  const auto parsed = parse_with_python(raw);
  require_clean_parse(parsed);
  // Read strictly (RFC 2047 6.2): Python before 3.14 adds a space at each fold in names.
  CHECK(str(parsed["strict_names"]["To"]) == message.to_name);
  CHECK(str(parsed["strict_names"]["From"]) == "Åsa Lindström");
  CHECK(str(parsed["to"][0]["address"]) == "minjun.kim@example.kr");
}

TEST_CASE("an empty display name gives a bare address", "[unit]") {
  auto message = korean_follow_up();
  message.to_name.clear();
  const auto parsed = parse_with_python(build_mime(message));
  require_clean_parse(parsed);
  CHECK(str(parsed["to"][0]["name"]).empty());
  CHECK(str(parsed["to"][0]["address"]) == "minjun.kim@example.kr");
}

TEST_CASE("Message-ID, Date in UTC and MIME-Version are set", "[unit]") {
  const auto raw = build_mime(korean_follow_up());
  const auto parsed = parse_with_python(raw);
  CHECK(str(parsed["headers"]["Message-ID"]) == "<tp.41.9f3a@touch.example.com>");
  CHECK(str(parsed["date"]) == "2026-03-02T08:15:00+00:00");
  CHECK(raw.find("Date: Mon, 2 Mar 2026 08:15:00 +0000\r\n") != std::string::npos);
  CHECK(str(parsed["headers"]["MIME-Version"]) == "1.0");
}

TEST_CASE("a threaded step carries In-Reply-To and References, oldest first", "[unit]") {
  const auto message = korean_follow_up();
  const auto parsed = parse_with_python(build_mime(message));
  require_clean_parse(parsed);
  CHECK(str(parsed["headers"]["In-Reply-To"]) == "<tp.40.77aa@touch.example.com>");
  std::vector<std::string> expected;
  for (const auto& ref : message.references) expected.push_back("<" + ref + ">");
  CHECK(split_ws(str(parsed["headers"]["References"])) == expected);
}

TEST_CASE("a long Gmail-style id in In-Reply-To reads back without stray spaces", "[unit]") {
  auto message = korean_follow_up();
  message.in_reply_to = "CAH7x+Ok3YqSx2bS9u0c2vT8=3Qm8e5KQwJq2r0Vn0123456789abcdef@mail.gmail.com";
  message.references = {message.in_reply_to, message.in_reply_to + ".x"};
  const auto raw = build_mime(message);
  CHECK(raw.find("In-Reply-To: <" + message.in_reply_to + ">\r\n") != std::string::npos);
  const auto parsed = parse_with_python(raw);
  require_clean_parse(parsed);
  CHECK(str(parsed["headers"]["In-Reply-To"]) == "<" + message.in_reply_to + ">");
  CHECK(
      split_ws(str(parsed["headers"]["References"])) ==
      std::vector<std::string>{"<" + message.in_reply_to + ">", "<" + message.in_reply_to + ".x>"});
}

TEST_CASE("a long reference chain folds and keeps every id", "[unit]") {
  auto message = korean_follow_up();
  message.references.clear();
  for (int i = 0; i < 30; ++i) {
    message.references.push_back("tp." + std::to_string(i) + ".0123456789abcdef@touch.example.com");
  }
  const auto raw = build_mime(message);
  require_wire_form(raw);
  const auto parsed = parse_with_python(raw);
  require_clean_parse(parsed);
  std::vector<std::string> expected;
  for (const auto& ref : message.references) expected.push_back("<" + ref + ">");
  CHECK(split_ws(str(parsed["headers"]["References"])) == expected);
}

TEST_CASE("a first step has no In-Reply-To or References", "[unit]") {
  auto message = korean_follow_up();
  message.in_reply_to.clear();
  message.references.clear();
  const auto parsed = parse_with_python(build_mime(message));
  require_clean_parse(parsed);
  CHECK(parsed["headers"]["In-Reply-To"].is_null());
  CHECK(parsed["headers"]["References"].is_null());
}

TEST_CASE("an unsubscribe URL adds List-Unsubscribe (https, then mailto) and one-click Post",
          "[unit]") {
  const auto message = korean_follow_up();
  const auto raw = build_mime(message);
  const auto parsed = parse_with_python(raw);
  require_clean_parse(parsed);
  CHECK(str(parsed["headers"]["List-Unsubscribe"]) ==
        "<" + message.unsubscribe_url + ">, <" + message.unsubscribe_mailto + ">");
  CHECK(str(parsed["headers"]["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click");
  CHECK(raw.find("List-Unsubscribe: <https://") != std::string::npos);  // never encoded words
}

TEST_CASE("without an unsubscribe URL there is no one-click header", "[unit]") {
  auto message = korean_follow_up();
  message.unsubscribe_url.clear();
  SECTION("a mailto alone is still listed") {
    const auto parsed = parse_with_python(build_mime(message));
    CHECK(str(parsed["headers"]["List-Unsubscribe"]) == "<" + message.unsubscribe_mailto + ">");
    CHECK(parsed["headers"]["List-Unsubscribe-Post"].is_null());
  }
  SECTION("with neither, no List-Unsubscribe at all") {
    message.unsubscribe_mailto.clear();
    const auto parsed = parse_with_python(build_mime(message));
    CHECK(parsed["headers"]["List-Unsubscribe"].is_null());
    CHECK(parsed["headers"]["List-Unsubscribe-Post"].is_null());
  }
}

TEST_CASE("the body is multipart/alternative: text from the HTML first, then the HTML", "[unit]") {
  const auto message = korean_follow_up();
  const auto parsed = parse_with_python(build_mime(message));
  require_clean_parse(parsed);
  CHECK(str(parsed["content_type"]) == "multipart/alternative");
  const auto& parts = parsed["parts"];
  REQUIRE(parts.size() == 2);
  CHECK(str(parts[0]["type"]) == "text/plain");
  CHECK(str(parts[1]["type"]) == "text/html");
  for (const auto& part : parts) {
    CHECK(str(part["charset"]) == "utf-8");
    const auto cte = str(part["transfer_encoding"]);
    CHECK((cte == "quoted-printable" || cte == "base64"));
  }
  CHECK(str(parts[0]["content"]) == html_to_text(message.html));
  CHECK(str(parts[0]["content"]) ==
        "안녕하세요 김민준님,\n지난주에 보내 드린 메일 확인하셨나요? 자료 "
        "(https://touch.example.com/c/abc)를 첨부합니다.\n감사합니다,\nÅsa");
  CHECK(str(parts[1]["content"]) == message.html);
}

TEST_CASE("a mostly-Korean body is base64, a mostly-Latin one quoted-printable", "[unit]") {
  auto message = korean_follow_up();
  auto parsed = parse_with_python(build_mime(message));
  CHECK(str(parsed["parts"][1]["transfer_encoding"]) == "base64");

  message.html = "<p>Hej Åsa,</p><p>Tack för senast! Här är länken vi pratade om.</p>";
  parsed = parse_with_python(build_mime(message));
  CHECK(str(parsed["parts"][1]["transfer_encoding"]) == "quoted-printable");
  CHECK(str(parsed["parts"][1]["content"]) == message.html);
  CHECK(str(parsed["parts"][0]["content"]) ==
        "Hej Åsa,\nTack för senast! Här är länken vi pratade om.");
}

TEST_CASE("no line passes 998 octets and every line ends in CRLF, even for huge HTML lines",
          "[unit]") {
  for (const char* filler : {"x", "é", "한"}) {
    auto message = korean_follow_up();
    std::string long_line;
    for (int i = 0; i < 5000; ++i) long_line += filler;
    message.html = "<div>" + long_line + "</div>\n<p>trailing space   \nbare\rcr</p>";
    const auto raw = build_mime(message);
    require_wire_form(raw);
    const auto parsed = parse_with_python(raw);
    require_clean_parse(parsed);
    CHECK(str(parsed["parts"][1]["content"]) ==
          "<div>" + long_line + "</div>\n<p>trailing space   \nbare\ncr</p>");
  }
}

TEST_CASE("a line break in a subject or name cannot inject a header", "[unit]") {
  auto message = korean_follow_up();
  message.subject = "Hello\r\nBcc: victim@example.com";
  message.to_name = "Kim\r\nCc: other@example.com";
  const auto raw = build_mime(message);
  require_wire_form(raw);
  const auto parsed = parse_with_python(raw);
  CHECK(parsed["headers"]["Bcc"].is_null());
  CHECK(parsed["headers"]["Cc"].is_null());
  CHECK(str(parsed["headers"]["Subject"]) == "Hello Bcc: victim@example.com");
  CHECK(str(parsed["to"][0]["name"]) == "Kim Cc: other@example.com");
  CHECK(str(parsed["to"][0]["address"]) == "minjun.kim@example.kr");
}

TEST_CASE("an address, id or URL holding a line break or bracket is refused", "[unit]") {
  auto message = korean_follow_up();
  SECTION("address") {
    message.to_email = "kim@example.kr>\r\nBcc: x@example.com";
  }
  SECTION("message id") {
    message.message_id = "a b@example.com";
  }
  SECTION("reference") {
    message.references.push_back("x>@y");
  }
  SECTION("unsubscribe URL") {
    message.unsubscribe_url = "https://x.test/u\r\nBcc: y";
  }
  SECTION("empty message id") {
    message.message_id.clear();
  }
  CHECK_THROWS_AS(build_mime(message), std::invalid_argument);
}

TEST_CASE("building the same message on many threads at once gives identical bytes", "[unit]") {
  const auto message = korean_follow_up();
  const auto expected = build_mime(message);
  std::vector<std::string> results(8);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&, t] {
      auto mine = message;
      for (int i = 0; i < 200; ++i) {
        const auto out = build_mime(mine);
        if (out != expected) {
          results[t] = out;
          return;
        }
      }
      results[t] = expected;
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& result : results) CHECK(result == expected);
}

TEST_CASE("Outlook's Thread-Topic and Thread-Index group a thread's messages", "[unit]") {
  auto first = korean_follow_up();
  first.subject = "Åsa, en fråga";
  first.in_reply_to.clear();
  first.references.clear();
  auto reply = first;
  reply.message_id = "tp.2.aa@touch.example.com";
  reply.subject = "Re: Åsa, en fråga";
  reply.in_reply_to = first.message_id;
  reply.references = {first.message_id};
  auto second = reply;
  second.message_id = "tp.3.bb@touch.example.com";
  second.in_reply_to = reply.message_id;
  second.references = {first.message_id, reply.message_id};

  auto decoded = [](const OutgoingMessage& m) {
    const auto parsed = parse_with_python(build_mime(m));
    CHECK(parsed["headers"]["Thread-Topic"] == "Åsa, en fråga");
    const auto index = parsed["headers"]["Thread-Index"].get<std::string>();
    CHECK(index == touchpoint::mail::thread_index(m));
    // Decode the base64 in a tiny way: its length tells the byte count.
    auto padding = static_cast<std::size_t>(std::count(index.begin(), index.end(), '='));
    return std::pair{index, index.size() / 4 * 3 - padding};
  };
  auto [i1, n1] = decoded(first);
  auto [i2, n2] = decoded(reply);
  auto [i3, n3] = decoded(second);
  CHECK(n1 == 22);
  CHECK(n2 == 27);
  CHECK(n3 == 32);
  // The conversation's 22 bytes (the first 28 base64 characters hold 21 of them) are shared.
  CHECK(i2.substr(0, 28) == i1.substr(0, 28));
  CHECK(i3.substr(0, 28) == i1.substr(0, 28));
  CHECK(i3.substr(0, 36) == i2.substr(0, 36));
  CHECK(i1 != i2);
  // The bytes are SHA-256 prefixes of the Message-IDs (expected values from Python's hashlib).
  CHECK(i1 == "UwUb3fXEPi7NL+tjPG8pVV1zjGlZyA==");
  CHECK(i2 == "UwUb3fXEPi7NL+tjPG8pVV1zjGlZyJCCHUHh");
}
