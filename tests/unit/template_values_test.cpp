// TemplateValues: a prospect's values built once for all of a step's templates must render
// exactly as merge_fields' map does.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include <touchpoint/core/personalize.hpp>

namespace tc = touchpoint::core;

namespace {

tc::Prospect sample_prospect() {
  tc::Prospect p;
  p.email = "asa@nordvik.se";
  p.first_name = "Åsa";
  p.last_name = "Lindström";
  p.company = "Nordvik <AB>";
  p.owner_email = "anna@touchpoint.test";
  p.custom = {{"industry", "Logistics"}, {"first_name", "ignored"}, {"region", "  "}};
  return p;
}

tc::User sample_sender() {
  tc::User u;
  u.email = "anna@touchpoint.test";
  u.name = "Anna van Berg";
  return u;
}

std::string render(const std::string& text, const tc::TemplateValues& values,
                   tc::Escape escape = tc::Escape::html) {
  auto compiled = tc::CompiledTemplate::compile(text, escape);
  REQUIRE(compiled.has_value());
  auto rendered = compiled->render(values);
  return rendered ? *rendered : "error: " + rendered.error().message;
}

std::string render_map(const std::string& text, const tc::Prospect& p, const tc::User& u,
                       tc::Escape escape = tc::Escape::html) {
  auto rendered = tc::render_template(text, tc::merge_fields(p, u), escape);
  return rendered ? *rendered : "error: " + rendered.error().message;
}

}  // namespace

TEST_CASE("values built from a prospect render as its merged fields do", "[unit]") {
  const auto prospect = sample_prospect();
  const auto sender = sample_sender();
  const tc::TemplateValues values(prospect, sender);
  for (const std::string text :
       {"Hi {{first_name}} at {{company}}", "{{{company}}} / {{owner}} / {{industry}}",
        "{{sender.first_name}} {{sender.last_name}} <{{sender.email}}>",
        "{{#sender}}{{name}}{{/sender}}", "Hi {{title|there}}, {{region|somewhere}}",
        "{{^phone}}no phone{{/phone}}", "In {{region}}", "{{salesforce_id}}"}) {
    INFO(text);
    CHECK(render(text, values) == render_map(text, prospect, sender));
    CHECK(render(text, values, tc::Escape::none) ==
          render_map(text, prospect, sender, tc::Escape::none));
  }
  CHECK(render("Hi {{first_name}}", values) == "Hi Åsa");
  CHECK(render("In {{region}}", values) == "error: missing_field:region");
}

TEST_CASE("a custom field with a dot in its name nests as merge_fields does", "[unit]") {
  auto prospect = sample_prospect();
  prospect.custom["account.tier"] = "Gold";
  prospect.custom["sender.title"] = "VP";
  const auto sender = sample_sender();
  const tc::TemplateValues values(prospect, sender);
  for (const std::string text : {"{{account.tier}}", "{{sender.title}} {{sender.first_name}}",
                                 "{{first_name}} {{industry}}"}) {
    INFO(text);
    CHECK(render(text, values) == render_map(text, prospect, sender));
  }
  CHECK(render("{{account.tier}}", values) == "Gold");
}

TEST_CASE("values limited to the fields a template names render it the same", "[unit]") {
  const auto prospect = sample_prospect();
  const auto sender = sample_sender();
  const std::string text = "Hi {{first_name}} at {{company}}, {{sender.first_name}}";
  const auto named = tc::analyze_template(text);
  REQUIRE(named.has_value());
  const tc::TemplateValues only(prospect, sender, &named->used);
  CHECK(render(text, only) == "Hi Åsa at Nordvik &lt;AB&gt;, Anna");
  // What the template does not name is left out; the sender comes whole once it is named.
  CHECK(only.has("first_name"));
  CHECK(only.has("sender.first_name"));
  CHECK(only.has("sender.email"));
  CHECK_FALSE(only.has("industry"));
  CHECK_FALSE(only.has("owner"));
  const std::set<std::string> prospect_only = {"first_name"};
  CHECK_FALSE(tc::TemplateValues(prospect, sender, &prospect_only).has("sender.first_name"));
  const tc::TemplateValues all(prospect, sender);
  CHECK(all.has("industry"));
  CHECK(all.has("sender.email"));
  CHECK_FALSE(all.has("region"));  // blank
  CHECK_FALSE(all.has("phone"));   // empty
}
