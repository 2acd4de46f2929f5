#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <touchpoint/core/csv.hpp>

using touchpoint::core::CsvRecord;
using touchpoint::core::ErrorCode;
using touchpoint::core::parse_csv;

namespace {

using Fields = std::vector<std::string>;

std::vector<CsvRecord> parse_ok(std::string_view text) {
  auto records = parse_csv(text);
  INFO((records ? std::string() : records.error().message));
  REQUIRE(records);
  return *records;
}

std::string parse_error(std::string_view text) {
  auto records = parse_csv(text);
  REQUIRE_FALSE(records);
  CHECK(records.error().code == ErrorCode::invalid_input);
  return records.error().message;
}

}  // namespace

TEST_CASE("plain records split on commas and record their starting line", "[unit]") {
  auto records = parse_ok("a,b,c\n1,2,3\n");
  REQUIRE(records.size() == 2);
  CHECK(records[0].line == 1);
  CHECK(records[0].fields == Fields{"a", "b", "c"});
  CHECK(records[1].line == 2);
  CHECK(records[1].fields == Fields{"1", "2", "3"});
}

TEST_CASE("CRLF, LF and lone CR line ends read the same", "[unit]") {
  for (const char* text : {"a,b\r\nc,d\r\n", "a,b\nc,d\n", "a,b\rc,d\r"}) {
    auto records = parse_ok(text);
    REQUIRE(records.size() == 2);
    CHECK(records[0].fields == Fields{"a", "b"});
    CHECK(records[1].fields == Fields{"c", "d"});
    CHECK(records[1].line == 2);
  }
}

TEST_CASE("a missing final line end still yields the last record", "[unit]") {
  auto records = parse_ok("a,b\nc,d");
  REQUIRE(records.size() == 2);
  CHECK(records[1].fields == Fields{"c", "d"});
}

TEST_CASE("a leading UTF-8 BOM is not part of the first field", "[unit]") {
  auto records = parse_ok(
      "\xEF\xBB\xBF"
      "email\nx@y.z\n");
  REQUIRE(records.size() == 2);
  CHECK(records[0].fields == Fields{"email"});
}

TEST_CASE("blank lines are skipped but still counted", "[unit]") {
  auto records = parse_ok("\na,b\n\r\n\nc,d\n\n");
  REQUIRE(records.size() == 2);
  CHECK(records[0].line == 2);
  CHECK(records[1].line == 5);
}

TEST_CASE("an empty text has no records", "[unit]") {
  CHECK(parse_ok("").empty());
  CHECK(parse_ok("\xEF\xBB\xBF").empty());
}

TEST_CASE("quoted fields keep commas, doubled quotes and line breaks", "[unit]") {
  auto records = parse_ok(
      "name,note\n"
      "\"Shamrock Freight, Ltd.\",\"She said \"\"hi\"\"\"\n"
      "\"x\",\"two\r\nlines\"\n"
      "after,multiline\n");
  REQUIRE(records.size() == 4);
  CHECK(records[1].fields == Fields{"Shamrock Freight, Ltd.", "She said \"hi\""});
  CHECK(records[2].fields == Fields{"x", "two\r\nlines"});
  CHECK(records[2].line == 3);
  // The record after a two-line field starts on line 5.
  CHECK(records[3].line == 5);
}

TEST_CASE("empty fields are kept, quoted or not, including a trailing one", "[unit]") {
  auto records = parse_ok("a,,\"\",\n");
  REQUIRE(records.size() == 1);
  CHECK(records[0].fields == Fields{"a", "", "", ""});
}

TEST_CASE("a line of one quoted empty field is a record, not a blank line", "[unit]") {
  auto records = parse_ok("\"\"\n");
  REQUIRE(records.size() == 1);
  CHECK(records[0].fields == Fields{""});
}

TEST_CASE("UTF-8 text passes through byte for byte", "[unit]") {
  auto records = parse_ok("민준,김,\"한빛 소프트\"\n");
  REQUIRE(records.size() == 1);
  CHECK(records[0].fields == Fields{"민준", "김", "한빛 소프트"});
}

TEST_CASE("spaces around a quoted field are tolerated, inside an unquoted one kept", "[unit]") {
  auto records = parse_ok("a, \"b, c\" ,  d \n");
  REQUIRE(records.size() == 1);
  CHECK(records[0].fields == Fields{"a", "b, c", "  d "});
}

TEST_CASE("an unterminated quote is an error naming the line it opened on", "[unit]") {
  auto message = parse_error("a,b\nc,\"never\nclosed\n");
  CHECK_THAT(message, Catch::StartsWith("line 2:"));
  CHECK_THAT(message, Catch::Contains("unterminated"));
}

TEST_CASE("a quote inside an unquoted field is an error naming its line", "[unit]") {
  auto message = parse_error("a,b\r\nc,O\"Connor\r\n");
  CHECK_THAT(message, Catch::StartsWith("line 2:"));
  CHECK_THAT(message, Catch::Contains("quote"));
}

TEST_CASE("text after a closing quote is an error naming its line", "[unit]") {
  auto message = parse_error("a\n\"multi\nline\"x,b\n");
  CHECK_THAT(message, Catch::StartsWith("line 3:"));
}
