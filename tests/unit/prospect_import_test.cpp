#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <touchpoint/core/ascii.hpp>
#include <touchpoint/core/csv.hpp>
#include <touchpoint/core/prospect_import.hpp>

using touchpoint::core::ErrorCode;
using touchpoint::core::is_valid_email;
using touchpoint::core::lower_ascii;
using touchpoint::core::ProspectBatch;

namespace {

const std::set<std::string> kOwners = {"rep.anna@touchpoint.test", "rep.jisoo@touchpoint.test",
                                       "rep.sam@touchpoint.test"};

touchpoint::core::Result<ProspectBatch> read(std::string_view csv) {
  auto records = touchpoint::core::parse_csv(csv);
  REQUIRE(records);
  return touchpoint::core::read_prospects(*records, kOwners);
}

ProspectBatch read_ok(std::string_view csv) {
  auto batch = read(csv);
  INFO((batch ? std::string() : batch.error().message));
  REQUIRE(batch);
  return *batch;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("the sample prospects.csv imports 9 prospects and reports the bad row", "[unit]") {
  auto batch = read_ok(read_file(std::string(TOUCHPOINT_FIXTURES) + "/prospects.csv"));

  REQUIRE(batch.prospects.size() == 9);
  REQUIRE(batch.errors.size() == 1);
  CHECK(batch.errors[0].line == 11);
  CHECK(batch.errors[0].email == "bad-row-without-at-sign");
  CHECK(batch.errors[0].message ==
        "line 11: 'bad-row-without-at-sign' is not a valid email address");
  CHECK(batch.custom_columns == std::vector<std::string>{"industry"});

  const auto& asa = batch.prospects[0];
  CHECK(asa.email == "asa.lindstrom@nordvik.se");
  CHECK(asa.first_name == "Åsa");
  CHECK(asa.timezone == "Europe/Stockholm");
  CHECK(asa.owner_email == "rep.anna@touchpoint.test");
  CHECK(asa.salesforce_id == "00Q5e00000AbCdEAA1");
  CHECK(asa.custom.at("industry") == "Logistics");

  const auto& minjun = batch.prospects[1];
  CHECK(minjun.first_name == "민준");
  CHECK(minjun.last_name == "김");
  CHECK(minjun.company == "한빛 소프트");
  CHECK(minjun.title == "영업 이사");

  const auto& maria = batch.prospects[3];
  CHECK(maria.email == "maria.oconnor@shamrock.ie");
  CHECK(maria.company == "Shamrock Freight, Ltd.");
  CHECK(maria.last_name == "O'Connor");

  const auto& nobody = batch.prospects[8];
  CHECK(nobody.email == "nobody@no-zone.example");
  CHECK(nobody.timezone.empty());
  CHECK(nobody.custom.at("industry").empty());
}

TEST_CASE("header names are trimmed and lower-cased; owner fills owner_email", "[unit]") {
  auto batch = read_ok(
      " Email , First_Name,OWNER, Industry \n"
      "a@b.co,Ann,rep.sam@touchpoint.test,Retail\n");
  REQUIRE(batch.prospects.size() == 1);
  CHECK(batch.prospects[0].first_name == "Ann");
  CHECK(batch.prospects[0].owner_email == "rep.sam@touchpoint.test");
  CHECK(batch.custom_columns == std::vector<std::string>{"industry"});
  CHECK(batch.prospects[0].custom.at("industry") == "Retail");
}

TEST_CASE("a header without an email column fails the whole file", "[unit]") {
  auto batch = read("name,company\nAnn,Acme\n");
  REQUIRE_FALSE(batch);
  CHECK(batch.error().code == ErrorCode::invalid_input);
  CHECK_THAT(batch.error().message, Catch::Contains("email"));
}

TEST_CASE("an empty file fails: there is no header", "[unit]") {
  CHECK_FALSE(read(""));
}

TEST_CASE("a column named twice in the header fails the whole file", "[unit]") {
  auto batch = read("email,Email\na@b.co,c@d.co\n");
  REQUIRE_FALSE(batch);
  CHECK_THAT(batch.error().message, Catch::Contains("twice"));
}

TEST_CASE("a header with only email and no rows gives an empty batch", "[unit]") {
  auto batch = read_ok("email\n");
  CHECK(batch.prospects.empty());
  CHECK(batch.errors.empty());
  CHECK(batch.custom_columns.empty());
}

TEST_CASE("values and emails are trimmed of surrounding spaces", "[unit]") {
  auto batch = read_ok("email,company\n  a@b.co  ,\" Acme \"\n");
  REQUIRE(batch.prospects.size() == 1);
  CHECK(batch.prospects[0].email == "a@b.co");
  CHECK(batch.prospects[0].company == "Acme");
}

TEST_CASE("a row with an empty email is skipped with its line", "[unit]") {
  auto batch = read_ok("email,first_name\n,Ann\nb@c.co,Bo\n");
  REQUIRE(batch.errors.size() == 1);
  CHECK(batch.errors[0].line == 2);
  CHECK(batch.errors[0].email.empty());
  CHECK(batch.errors[0].message == "line 2: the email is empty");
  REQUIRE(batch.prospects.size() == 1);
  CHECK(batch.prospects[0].email == "b@c.co");
}

TEST_CASE("an unknown owner skips the row; a known one matches case-insensitively", "[unit]") {
  auto batch = read_ok(
      "email,owner\n"
      "a@b.co,someone@else.test\n"
      "c@d.co,Rep.Anna@TouchPoint.test\n"
      "e@f.co,\n");
  REQUIRE(batch.errors.size() == 1);
  CHECK(batch.errors[0].line == 2);
  CHECK(batch.errors[0].email == "a@b.co");
  CHECK(batch.errors[0].message == "line 2: the owner 'someone@else.test' is not a known user");
  REQUIRE(batch.prospects.size() == 2);
  // The owner is stored as the user's own spelling, so it matches the users table.
  CHECK(batch.prospects[0].owner_email == "rep.anna@touchpoint.test");
  CHECK(batch.prospects[1].owner_email.empty());
}

TEST_CASE("a row with the wrong number of fields is skipped with its line", "[unit]") {
  auto batch = read_ok("email,first_name\na@b.co\nc@d.co,Cy,extra\ne@f.co,Ed\n");
  REQUIRE(batch.errors.size() == 2);
  CHECK(batch.errors[0].message == "line 2: expected 2 fields, found 1");
  CHECK(batch.errors[1].message == "line 3: expected 2 fields, found 3");
  REQUIRE(batch.prospects.size() == 1);
  CHECK(batch.prospects[0].email == "e@f.co");
}

TEST_CASE("a multi-line quoted value reports errors at the line its record starts", "[unit]") {
  auto batch = read_ok("email,note\na@b.co,\"one\ntwo\"\nnot-an-email,x\n");
  REQUIRE(batch.errors.size() == 1);
  CHECK(batch.errors[0].line == 4);
}

TEST_CASE("a repeated email replaces the earlier row in its first position", "[unit]") {
  auto batch = read_ok(
      "email,first_name\n"
      "Ann@Acme.com,Ann\n"
      "bo@acme.com,Bo\n"
      "ann@ACME.com,Annie\n");
  REQUIRE(batch.prospects.size() == 2);
  CHECK(batch.errors.empty());
  CHECK(batch.prospects[0].email == "ann@ACME.com");  // case kept as written
  CHECK(batch.prospects[0].first_name == "Annie");
  CHECK(batch.prospects[1].email == "bo@acme.com");
}

TEST_CASE("custom columns keep empty values", "[unit]") {
  auto batch = read_ok("email,industry,tier\na@b.co,,gold\n");
  REQUIRE(batch.prospects.size() == 1);
  CHECK(batch.custom_columns == std::vector<std::string>{"industry", "tier"});
  CHECK(batch.prospects[0].custom.at("industry").empty());
  CHECK(batch.prospects[0].custom.at("tier") == "gold");
}

TEST_CASE("a column with an empty header name is ignored", "[unit]") {
  auto batch = read_ok("email,company,\na@b.co,Acme,\n");
  REQUIRE(batch.prospects.size() == 1);
  CHECK(batch.custom_columns.empty());
  CHECK(batch.prospects[0].custom.empty());
}

TEST_CASE("rows of only empty cells are skipped like blank lines", "[unit]") {
  auto batch = read_ok("email,company\na@b.co,Acme\n,\n , \n");
  CHECK(batch.prospects.size() == 1);
  CHECK(batch.errors.empty());
}

TEST_CASE("is_valid_email accepts plausible single addresses", "[unit]") {
  auto email = GENERATE(as<std::string>{}, "a@b.co", "first.last+tag@sub.example.com",
                        "maria.oconnor@shamrock.ie", "o'brien@example.ie", "민준@hanbit.co.kr",
                        std::string(64, 'x') + "@example.com");
  INFO(email);
  CHECK(is_valid_email(email));
}

TEST_CASE("is_valid_email rejects malformed addresses", "[unit]") {
  auto email = GENERATE(
      as<std::string>{}, "", "bad-row-without-at-sign", "@b.co", "a@", "a@b", "a@@b.co", "a@b@c.co",
      "a@.b.co", "a@b.co.", "a@b..co", "a b@c.co", "a@b .co", " a@b.co", "a@b.co\t", "Ann <a@b.co>",
      std::string(65, 'x') + "@example.com", "a@" + std::string(250, 'd') + ".com");
  INFO(email);
  CHECK_FALSE(is_valid_email(email));
}

TEST_CASE("lower_ascii lowers ASCII letters and leaves UTF-8 bytes alone", "[unit]") {
  CHECK(lower_ascii("Rep.Anna@TouchPoint.TEST") == "rep.anna@touchpoint.test");
  CHECK(lower_ascii("ÅSA@Nordvik.SE") == "Åsa@nordvik.se");  // Å is not ASCII
  CHECK(lower_ascii("민준") == "민준");
  CHECK(lower_ascii("") == "");
}
