#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

#include <touchpoint/core/personalize.hpp>

namespace tc = touchpoint::core;

namespace {

using Fields = std::map<std::string, std::string>;

std::string render_ok(std::string_view text, const Fields& fields,
                      tc::Escape escape = tc::Escape::html) {
  auto rendered = tc::render_template(text, fields, escape);
  INFO((rendered ? std::string() : rendered.error().message));
  REQUIRE(rendered.has_value());
  return *rendered;
}

std::string analyze_error(std::string_view text) {
  auto analyzed = tc::analyze_template(text);
  REQUIRE_FALSE(analyzed.has_value());
  CHECK(analyzed.error().code == tc::ErrorCode::invalid_input);
  return analyzed.error().message;
}

}  // namespace

TEST_CASE("Korean and Swedish values render byte for byte", "[unit]") {
  const Fields fields = {{"first_name", "지민"}, {"company", "Åkerlund & Söner"}};
  CHECK(render_ok("안녕하세요 {{first_name}}님", fields) == "안녕하세요 지민님");
  CHECK(render_ok("Hej från {{company}}", fields, tc::Escape::none) == "Hej från Åkerlund & Söner");
}

TEST_CASE("values are HTML-escaped in a body but not in a subject", "[unit]") {
  const Fields fields = {{"company", "Smith & <Sons> \"Ltd\""}};
  CHECK(render_ok("<p>{{company}}</p>", fields, tc::Escape::html) ==
        "<p>Smith &amp; &lt;Sons&gt; &quot;Ltd&quot;</p>");
  CHECK(render_ok("About {{company}}", fields, tc::Escape::none) == "About Smith & <Sons> \"Ltd\"");
  CHECK(render_ok("<p>{{{company}}} {{&company}}</p>", fields, tc::Escape::html) ==
        "<p>Smith & <Sons> \"Ltd\" Smith & <Sons> \"Ltd\"</p>");
}

TEST_CASE("the shorthand fallback shows only when the value is empty or absent", "[unit]") {
  CHECK(render_ok("Hi {{first_name|there}},", {{"first_name", "Anna"}}) == "Hi Anna,");
  CHECK(render_ok("Hi {{first_name|there}},", {{"first_name", ""}}) == "Hi there,");
  CHECK(render_ok("Hi {{ first_name | there }},", {}) == "Hi there,");
  CHECK(render_ok("Hi {{first_name|there}},", {{"first_name", "   "}}) == "Hi there,");
}

TEST_CASE("the standard Mustache fallback shows only when the value is empty", "[unit]") {
  const std::string tpl =
      "Hi {{#first_name}}{{first_name}}{{/first_name}}{{^first_name}}there{{/first_name}}!";
  CHECK(render_ok(tpl, {{"first_name", "Lars"}}) == "Hi Lars!");
  CHECK(render_ok(tpl, {{"first_name", ""}}) == "Hi there!");
  CHECK(render_ok(tpl, {}) == "Hi there!");
}

TEST_CASE("a required field with no value excludes the prospect with missing_field", "[unit]") {
  const Fields fields = {{"first_name", "Anna"}, {"industry", ""}, {"title", ""}};
  auto rendered =
      tc::render_template("Hi {{first_name}}, {{title}} in {{industry}}", fields, tc::Escape::html);
  REQUIRE_FALSE(rendered.has_value());
  CHECK(rendered.error().code == tc::ErrorCode::conflict);
  CHECK(rendered.error().message == "missing_field:industry");  // first in name order

  auto absent = tc::render_template("In {{industry}}", {}, tc::Escape::none);
  REQUIRE_FALSE(absent.has_value());
  CHECK(absent.error().message == "missing_field:industry");
}

TEST_CASE("a field inside a section of its own name is not required", "[unit]") {
  auto analyzed = tc::analyze_template(
      "{{#company}}at {{company}} {{#title}}as {{ title }}{{/title}}{{/company}}"
      "{{^phone}}{{phone}}{{/phone}}{{first_name|there}} {{#title}}{{email}}{{/title}}");
  REQUIRE(analyzed.has_value());
  CHECK(analyzed->used ==
        std::set<std::string>{"company", "title", "phone", "first_name", "email"});
  CHECK(analyzed->required == std::set<std::string>{"email"});
  CHECK(render_ok("Hi{{#company}} from {{company}}{{/company}}.", {{"company", ""}}) == "Hi.");
}

TEST_CASE("unknown fields are found with is_known_field and the custom fields", "[unit]") {
  const std::set<std::string> custom = {"industry"};
  auto analyzed = tc::analyze_template(
      "{{first_name}} {{sender.first_name}} {{owner}} {{industry}} {{budget}} {{sender.phone}}");
  REQUIRE(analyzed.has_value());
  std::set<std::string> unknown;
  for (const auto& name : analyzed->used) {
    if (!tc::is_known_field(name, custom)) unknown.insert(name);
  }
  CHECK(unknown == std::set<std::string>{"budget", "sender.phone"});
  CHECK(tc::is_known_field("salesforce_id", {}));
  CHECK_FALSE(tc::is_known_field("industry", {}));
}

TEST_CASE("tokenizer errors name the problem and its line", "[unit]") {
  CHECK(analyze_error("Hi\n\n{{first_name") == "unclosed tag at line 3");
  CHECK(analyze_error("Hi\n{{first_name {{company}}") == "unclosed tag at line 2");
  CHECK(analyze_error("a\n{{#company}}\nb\n{{/title}}") ==
        "section 'company' (opened at line 2) closed by {{/title}} at line 4");
  CHECK(analyze_error("a\n{{#company}}\nb") == "section 'company' is never closed at line 2");
  CHECK(analyze_error("{{company}}\n{{/company}}") ==
        "{{/company}} closes no open section at line 2");
  CHECK(analyze_error("\n{{=<% %>=}}") ==
        "delimiter changes ({{=...=}}) are not supported at line 2");
  CHECK(analyze_error("{{>footer}}") == "partials ({{>name}}) are not supported at line 1");
  CHECK(analyze_error("x\ny\nz {{ }}") == "empty name in tag at line 3");
  CHECK(analyze_error("{{#company|x}}{{/company}}") ==
        "a fallback is only allowed in a variable tag at line 1");
  CHECK(analyze_error("{{first_name|a{b}}") == "a fallback may not contain braces at line 1");

  auto rendered = tc::render_template("{{#a}}", {}, tc::Escape::html);
  REQUIRE_FALSE(rendered.has_value());
  CHECK(rendered.error().code == tc::ErrorCode::invalid_input);
}

TEST_CASE("comments are ignored and name no field", "[unit]") {
  auto analyzed = tc::analyze_template("{{! {{not_a_field}} }}Hi");
  REQUIRE(analyzed.has_value());
  CHECK(analyzed->used.empty());
  CHECK(render_ok("{{! note }}Hi", {}) == "Hi");
}

TEST_CASE("sender fields come from the owning rep's name and email", "[unit]") {
  tc::Prospect prospect;
  prospect.email = "lars@example.se";
  prospect.first_name = "Lars";
  prospect.owner_email = "anna@touchpoint.test";
  prospect.custom = {{"industry", "Retail"}, {"first_name", "ignored"}};
  tc::User sender;
  sender.email = "anna@touchpoint.test";
  sender.name = "Anna van Berg";

  const auto fields = tc::merge_fields(prospect, sender);
  CHECK(fields.at("owner") == "anna@touchpoint.test");
  CHECK(fields.at("industry") == "Retail");
  CHECK(fields.at("first_name") == "Lars");
  CHECK(fields.at("sender.first_name") == "Anna");
  CHECK(fields.at("sender.last_name") == "van Berg");
  CHECK(fields.at("company").empty());

  CHECK(render_ok("Hi {{first_name}}, {{sender.first_name}} ({{ sender.email }}) in {{industry}}",
                  fields) == "Hi Lars, Anna (anna@touchpoint.test) in Retail");
  CHECK(render_ok("{{#sender.first_name}}{{sender.first_name}}{{/sender.first_name}}", fields) ==
        "Anna");
  CHECK(render_ok("— {{sender.last_name|the team}}", tc::merge_fields(prospect, tc::User{})) ==
        "— the team");
}
