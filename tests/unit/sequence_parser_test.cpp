#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include <touchpoint/core/sequence_parser.hpp>

using namespace touchpoint::core;

namespace {

std::string read_fixture(const char* name) {
  std::ifstream in(std::string(TOUCHPOINT_FIXTURES) + "/" + name);
  REQUIRE(in);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> errors_of(const std::string& json) {
  auto seq = parse_sequence(json);
  REQUIRE_FALSE(seq);
  std::vector<std::string> out;
  for (const auto& e : seq.error()) out.push_back(to_string(e));
  return out;
}

}  // namespace

TEST_CASE("the all-modes fixture parses with every step and option", "[unit][sequence]") {
  auto seq = parse_sequence(read_fixture("sequence-all-modes.json"));
  REQUIRE(seq);
  CHECK(seq->name == "Outbound - all send options");
  CHECK(seq->zone_rule == ZoneRule::prospect);
  CHECK(seq->default_timezone == "Europe/Stockholm");
  CHECK(seq->holidays.size() == 4);
  REQUIRE(seq->window);
  CHECK(seq->window->from == std::chrono::hours{8});
  REQUIRE(seq->steps.size() == 7);
  CHECK(seq->steps[1].mode == SendMode::thread_previous);
  CHECK(seq->steps[1].message.subject.empty());
  CHECK(seq->steps[2].type == StepType::call);
  CHECK(seq->steps[2].creates_task());
  CHECK(seq->steps[3].at == std::chrono::hours{9} + std::chrono::minutes{30});
  CHECK(seq->steps[4].creates_task());
  CHECK(seq->steps[6].type == StepType::linkedin);
  CHECK(seq->exit_on.size() == 3);
}

TEST_CASE("a sequence survives its canonical JSON unchanged", "[unit][sequence]") {
  auto seq = parse_sequence(read_fixture("sequence-all-modes.json"));
  REQUIRE(seq);
  auto again = parse_sequence(to_json(*seq));
  REQUIRE(again);
  CHECK(to_json(*again) == to_json(*seq));
}

TEST_CASE("the invalid fixture is rejected with every error, each naming step and field",
          "[unit][sequence]") {
  auto errors = errors_of(read_fixture("sequence-invalid.json"));
  auto has = [&](const std::string& prefix) {
    for (const auto& e : errors)
      if (e.rfind(prefix, 0) == 0) return true;
    return false;
  };
  INFO([&] {
    std::string all;
    for (const auto& e : errors) all += e + "\n";
    return all;
  }());
  CHECK(has("sequence: timezone: 'Mars/Olympus_Mons'"));
  CHECK(has("step 1: send.mode: same_as_previous needs an earlier automatic email step"));
  CHECK(has("step 2: day: 1 comes after a step on day 2"));
  CHECK(has("step 2: send.mode: choose_at_start is allowed on the first step only"));
  CHECK(has("step 3: send.at: '25:61' is not a time HH:MM"));
  CHECK(errors.size() == 5);
}

TEST_CASE("each broken field is named", "[unit][sequence]") {
  auto base = [](const std::string& steps, const std::string& extra = "") {
    return R"({"name": "x")" + extra + R"(, "steps": [)" + steps + "]}";
  };
  CHECK(errors_of("{not json")[0].find("not valid JSON") != std::string::npos);
  CHECK(errors_of(R"({"steps": [{"day": 1, "type": "call"}]})")[0] ==
        "sequence: name: is required");
  CHECK(errors_of(base(R"({"day": 0, "type": "call"})"))[0].rfind("step 1: day:", 0) == 0);
  CHECK(errors_of(base(R"({"day": 1, "type": "fax"})"))[0] ==
        "step 1: type: 'fax' is not one of email, call, task, linkedin");
  CHECK(errors_of(base(R"({"day": 1, "type": "call", "tempalte": {}})"))[0] ==
        "step 1: tempalte: unknown field");
  CHECK(
      errors_of(base(
          R"({"day": 1, "type": "email", "send": {"mode": "at_time"}, "template": {"subject": "s", "body": "b"}})"))
          [0] == "step 1: send.at: at_time needs \"at\": \"HH:MM\"");
  CHECK(
      errors_of(base(
          R"({"day": 1, "type": "email", "send": {"mode": "manual"}, "template": {"body": "b"}})"))
          [0] == "step 1: template.subject: is required");
  CHECK(errors_of(base(R"({"day": 1, "type": "call"})",
                       R"(, "window": {"from": "18:00", "to": "08:00"})"))[0] ==
        "sequence: window: 'from' must be before 'to'");
  CHECK(errors_of(base(R"({"day": 1, "type": "call"})", R"(, "holidays": ["2026-02-30"])"))[0] ==
        "sequence: holidays[0]: \"2026-02-30\" is not a date YYYY-MM-DD");
  CHECK(errors_of(base(R"({"day": 1, "type": "call", "send": {"mode": "manual"}})"))[0] ==
        "step 1: send: only email steps have a send option");
}

TEST_CASE("thread_previous may follow a manual step only after an automatic email",
          "[unit][sequence]") {
  auto manual_first = R"({"name": "x", "steps": [
    {"day": 1, "type": "email", "send": {"mode": "manual"}, "template": {"subject": "s", "body": "b"}},
    {"day": 2, "type": "email", "send": {"mode": "thread_previous"}, "template": {"body": "b"}}]})";
  CHECK(errors_of(manual_first)[0].rfind("step 2: send.mode: thread_previous needs", 0) == 0);
}
