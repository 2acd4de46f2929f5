// Every manual email task the demo creates opens correctly: the demo's own sequence, reps and
// prospects (demo/), personalized as the engine personalizes a manual email, then composed
// for every client and decoded by Python.

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <touchpoint/compose/compose.hpp>
#include <touchpoint/core/csv.hpp>
#include <touchpoint/core/personalize.hpp>
#include <touchpoint/core/prospect_import.hpp>
#include <touchpoint/mail/mime.hpp>

#include "compose_samples.hpp"
#include "python_decoder.hpp"

namespace core = touchpoint::core;
namespace compose = touchpoint::compose;
using compose::Client;
using namespace touchpoint::compose::test;

namespace {

std::string demo_file(const std::string& name) {
  std::ifstream in(std::string(TOUCHPOINT_DEMO_DIR) + "/" + name, std::ios::binary);
  REQUIRE(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string one(const nlohmann::json& query, const char* name) {
  INFO("query parameter " << name << " in " << query.dump());
  REQUIRE(query.contains(name));
  REQUIRE(query[name].size() == 1);
  return query[name][0].get<std::string>();
}

}  // namespace

TEST_CASE("every manual email task of the demo opens a correct compose link", "[unit]") {
  const auto sequence = nlohmann::json::parse(demo_file("sequence.json"));
  std::map<std::string, core::User> reps;
  for (const auto& r : nlohmann::json::parse(demo_file("reps.json"))) {
    core::User u;
    u.email = r["email"].get<std::string>();
    u.name = r["name"].get<std::string>();
    reps[u.email] = u;
  }
  auto records = core::parse_csv(demo_file("prospects.csv"));
  REQUIRE(records);
  auto batch = core::read_prospects(*records, {}, core::OwnerCheck::none);
  REQUIRE(batch);

  std::vector<core::Task> tasks;
  for (const auto& step : sequence["steps"]) {
    if (step["type"] != "email" || step["send"]["mode"] != "manual") continue;
    const auto subject = step["template"]["subject"].get<std::string>();
    const auto body = step["template"]["body"].get<std::string>();
    for (const auto& p : batch->prospects) {
      const auto rep = reps.find(p.owner_email);
      if (rep == reps.end()) continue;
      const auto fields = core::merge_fields(p, rep->second);
      auto s = core::render_template(subject, fields, core::Escape::none);
      auto b = core::render_template(body, fields, core::Escape::html);
      if (!s || !b) continue;  // the engine excludes it: no task
      core::Task t;
      t.id = core::TaskId{static_cast<std::int64_t>(tasks.size() + 1)};
      t.type = core::StepType::email;
      t.prospect_email = p.email;
      t.prospect_name = core::full_name(p.first_name, p.last_name);
      t.owner_email = rep->second.email;
      t.subject = *s;
      t.body = *b;
      tasks.push_back(t);
    }
  }
  // Åsa, 민준 and 伟 among them: the demo's point is its non-ASCII names.
  REQUIRE(tasks.size() >= 6);

  const Client clients[] = {Client::gmail, Client::outlook, Client::outlook_live, Client::mailto};
  std::vector<std::string> urls;
  std::vector<compose::ComposeResult> results;
  for (const auto& t : tasks) {
    auto in = compose::input_from_task(t, std::nullopt, reps[t.owner_email].name, sample_date());
    REQUIRE(in);
    for (Client c : clients) {
      auto r = compose::compose_for(*in, c);
      if (!r) FAIL(r.error().message);
      CHECK_FALSE(r->too_long);
      urls.push_back(r->url);
      results.push_back(*r);
    }
  }
  const auto decoded = decode_urls(urls);
  REQUIRE(decoded.size() == urls.size());

  for (std::size_t i = 0; i < urls.size(); ++i) {
    const auto& t = tasks[i / 4];
    const Client c = clients[i % 4];
    const auto& q = decoded[i]["query_pct"];
    INFO(urls[i]);
    CHECK(urls[i].find('+') == std::string::npos);
    CHECK(decoded[i]["query_form"] == q);
    std::string text = touchpoint::mail::html_to_text(t.body);
    switch (c) {
      case Client::gmail:
        CHECK(one(q, "authuser") == t.owner_email);
        CHECK(one(q, "to") == t.prospect_email);
        CHECK(one(q, "su") == t.subject);
        CHECK(one(q, "body") == text);
        break;
      case Client::outlook:
      case Client::outlook_live:
        CHECK(one(q, "to") == t.prospect_email);
        CHECK(one(q, "subject") == t.subject);
        CHECK(one(q, "body") == text);
        break;
      case Client::mailto:
        CHECK(decoded[i]["path_decoded"] == t.prospect_email);
        CHECK(one(q, "subject") == t.subject);
        break;
    }
  }

  // The Gmail drafts parse back to the same people and subject.
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const auto& r = results[i * 4];
    const auto parsed =
        parse_gmail_raw((*r.gmail_draft)["body"]["message"]["raw"].get<std::string>());
    INFO(parsed.dump());
    CHECK(parsed["defects"].empty());
    CHECK(parsed["headers"]["Subject"] == tasks[i].subject);
    CHECK(parsed["to"][0]["address"] == tasks[i].prospect_email);
    CHECK(parsed["to"][0]["name"] == tasks[i].prospect_name);
  }
}
