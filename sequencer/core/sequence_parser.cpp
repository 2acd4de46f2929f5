#include <touchpoint/core/sequence_parser.hpp>

#include <nlohmann/json.hpp>

namespace touchpoint::core {
namespace {

using nlohmann::json;

constexpr const char* kSequenceKeys[] = {"name",
                                         "timezone",
                                         "default_timezone",
                                         "skip_weekends",
                                         "holidays",
                                         "window",
                                         "exit_on",
                                         "exclusive",
                                         "track",
                                         "steps",
                                         "stop_company_on_reply"};
constexpr const char* kStepKeys[] = {"day", "type", "send", "template", "note"};

std::string quoted(const json& value) {
  return value.dump();
}

// Collects every broken rule of one file.
class Checker {
 public:
  void error(std::string where, std::string field, std::string message) {
    errors_.push_back({std::move(where), std::move(field), std::move(message)});
  }
  std::vector<SequenceError> take() { return std::move(errors_); }

  template <std::size_t N>
  void unknown_keys(const json& object, const char* const (&known)[N], const std::string& where,
                    const std::string& prefix) {
    for (const auto& [key, value] : object.items()) {
      bool found = false;
      for (const char* k : known) found = found || key == k;
      if (!found) error(where, prefix + key, "unknown field");
    }
  }

  // Reads an optional string member; reports a wrong type.
  std::optional<std::string> string_at(const json& object, const char* key,
                                       const std::string& where, const std::string& field) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) {
      error(where, field, "must be a string, not " + quoted(*it));
      return std::nullopt;
    }
    return it->get<std::string>();
  }

  std::optional<bool> bool_at(const json& object, const char* key, const std::string& where) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return std::nullopt;
    if (!it->is_boolean()) {
      error(where, key, "must be true or false, not " + quoted(*it));
      return std::nullopt;
    }
    return it->get<bool>();
  }

 private:
  std::vector<SequenceError> errors_;
};

void read_zone(Checker& check, const json& doc, Sequence& seq) {
  auto zone = check.string_at(doc, "timezone", "sequence", "timezone");
  if (!zone || *zone == "prospect") {
    seq.zone_rule = ZoneRule::prospect;
  } else if (*zone == "owner") {
    seq.zone_rule = ZoneRule::owner;
  } else if (find_zone(*zone)) {
    seq.zone_rule = ZoneRule::fixed;
    seq.fixed_zone = *zone;
  } else {
    check.error("sequence", "timezone",
                "'" + *zone +
                    "' is neither 'prospect', 'owner' nor a time zone the tz database "
                    "knows");
  }
  if (auto fallback = check.string_at(doc, "default_timezone", "sequence", "default_timezone")) {
    if (find_zone(*fallback))
      seq.default_timezone = *fallback;
    else
      check.error("sequence", "default_timezone",
                  "'" + *fallback + "' is not a time zone the tz database knows");
  }
}

void read_calendar(Checker& check, const json& doc, Sequence& seq) {
  if (auto skip = check.bool_at(doc, "skip_weekends", "sequence")) seq.skip_weekends = *skip;
  if (auto it = doc.find("holidays"); it != doc.end() && !it->is_null()) {
    if (!it->is_array()) {
      check.error("sequence", "holidays", "must be a list of dates YYYY-MM-DD");
    } else {
      for (std::size_t i = 0; i < it->size(); ++i) {
        const json& h = (*it)[i];
        auto day = h.is_string() ? parse_date(h.get<std::string>()) : std::nullopt;
        if (!day)
          check.error("sequence", "holidays[" + std::to_string(i) + "]",
                      quoted(h) + " is not a date YYYY-MM-DD");
        else
          seq.holidays.insert(date::local_days{*day});
      }
    }
  }
  if (auto it = doc.find("window"); it != doc.end() && !it->is_null()) {
    if (!it->is_object()) {
      check.error("sequence", "window",
                  "must be an object {\"from\": \"HH:MM\", \"to\": \"HH:MM\"}");
      return;
    }
    check.unknown_keys(*it, {"from", "to"}, "sequence", "window.");
    SendWindow window;
    bool whole = true;
    for (const char* key : {"from", "to"}) {
      auto text = check.string_at(*it, key, "sequence", std::string("window.") + key);
      auto tod = text ? parse_hh_mm(*text) : std::nullopt;
      if (!tod) {
        whole = false;
        if (!it->contains(key))
          check.error("sequence", std::string("window.") + key, "is required");
        else if (text)
          check.error("sequence", std::string("window.") + key,
                      "'" + *text + "' is not a time HH:MM");
        continue;
      }
      (std::string_view(key) == "from" ? window.from : window.to) = *tod;
    }
    if (whole && window.from >= window.to)
      check.error("sequence", "window", "'from' must be before 'to'");
    if (whole) seq.window = window;
  }
}

void read_exit_on(Checker& check, const json& doc, Sequence& seq) {
  auto it = doc.find("exit_on");
  if (it == doc.end() || it->is_null()) {
    seq.exit_on = {ExitCause::reply, ExitCause::bounce, ExitCause::unsubscribe};
    return;
  }
  if (!it->is_array()) {
    check.error("sequence", "exit_on", "must be a list of 'reply', 'bounce', 'unsubscribe'");
    return;
  }
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& v = (*it)[i];
    auto cause = v.is_string() ? parse_exit_cause(v.get<std::string>()) : std::nullopt;
    if (!cause || *cause == ExitCause::manual)
      check.error("sequence", "exit_on[" + std::to_string(i) + "]",
                  quoted(v) + " is not one of 'reply', 'bounce', 'unsubscribe'");
    else
      seq.exit_on.insert(*cause);
  }
}

void read_email(Checker& check, const json& step_json, const std::string& where, Step& step) {
  auto send = step_json.find("send");
  if (send == step_json.end() || !send->is_object()) {
    check.error(where, "send", "email steps need \"send\": {\"mode\": ...}");
  } else {
    check.unknown_keys(*send, {"mode", "at"}, where, "send.");
    auto mode_text = check.string_at(*send, "mode", where, "send.mode");
    if (!mode_text) {
      if (!send->contains("mode")) check.error(where, "send.mode", "is required");
    } else if (auto mode = parse_send_mode(*mode_text)) {
      step.mode = mode;
    } else {
      check.error(where, "send.mode",
                  "'" + *mode_text +
                      "' is not one of choose_at_start, at_time, "
                      "same_as_previous, thread_previous, manual");
    }
    auto at = check.string_at(*send, "at", where, "send.at");
    if (step.mode == SendMode::at_time) {
      if (!at) {
        if (!send->contains("at")) check.error(where, "send.at", "at_time needs \"at\": \"HH:MM\"");
      } else if (auto tod = parse_hh_mm(*at)) {
        step.at = tod;
      } else {
        check.error(where, "send.at", "'" + *at + "' is not a time HH:MM (00:00 to 23:59)");
      }
    } else if (send->contains("at") && step.mode) {
      check.error(where, "send.at", "only at_time steps take a time");
    }
  }

  auto tmpl = step_json.find("template");
  if (tmpl == step_json.end() || !tmpl->is_object()) {
    check.error(where, "template",
                "email steps need \"template\": {\"subject\": ..., \"body\": ...}");
    return;
  }
  check.unknown_keys(*tmpl, {"subject", "body"}, where, "template.");
  auto subject = check.string_at(*tmpl, "subject", where, "template.subject");
  auto body = check.string_at(*tmpl, "body", where, "template.body");
  if (!body || body->empty()) {
    if (!tmpl->contains("body") || body) check.error(where, "template.body", "is required");
  } else {
    step.message.body = *body;
  }
  if (step.mode == SendMode::thread_previous) {
    if (subject && !subject->empty())
      check.error(where, "template.subject",
                  "thread_previous replies with the thread's subject (\"Re: ...\"); remove it");
  } else if (!subject || subject->empty()) {
    if (!tmpl->contains("subject") || subject)
      check.error(where, "template.subject", "is required");
  } else {
    step.message.subject = *subject;
  }
}

void read_steps(Checker& check, const json& doc, Sequence& seq) {
  auto it = doc.find("steps");
  if (it == doc.end() || !it->is_array() || it->empty()) {
    check.error("sequence", "steps", "must be a non-empty list of steps");
    return;
  }
  int previous_day = 1;
  bool seen_automatic_email = false;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& s = (*it)[i];
    Step step;
    step.position = static_cast<int>(i) + 1;
    const std::string where = "step " + std::to_string(step.position);
    if (!s.is_object()) {
      check.error(where, "", "must be an object");
      continue;
    }
    check.unknown_keys(s, kStepKeys, where, "");

    auto day = s.find("day");
    if (day == s.end() || !day->is_number_integer() || day->get<std::int64_t>() < 1 ||
        day->get<std::int64_t>() > 3650) {
      check.error(where, "day",
                  "must be a whole number from 1 to 3650, not " +
                      (day == s.end() ? std::string("missing") : quoted(*day)));
    } else {
      step.day = static_cast<int>(day->get<std::int64_t>());
      if (step.day < previous_day)
        check.error(where, "day",
                    std::to_string(step.day) + " comes after a step on day " +
                        std::to_string(previous_day) + "; steps must be ordered by day");
      previous_day = std::max(previous_day, step.day);
    }

    auto type_text = check.string_at(s, "type", where, "type");
    auto type = type_text ? parse_step_type(*type_text) : std::nullopt;
    if (!type) {
      check.error(where, "type",
                  (type_text ? "'" + *type_text + "' is not" : std::string("must be")) +
                      " one of email, call, task, linkedin");
      continue;
    }
    step.type = *type;
    if (auto note = check.string_at(s, "note", where, "note")) step.note = *note;

    if (step.type != StepType::email) {
      if (s.contains("send")) check.error(where, "send", "only email steps have a send option");
      if (s.contains("template"))
        check.error(where, "template", "only email steps have a template");
      seq.steps.push_back(std::move(step));
      continue;
    }
    read_email(check, s, where, step);
    if (step.mode == SendMode::choose_at_start && step.position != 1)
      check.error(where, "send.mode", "choose_at_start is allowed on the first step only");
    if ((step.mode == SendMode::same_as_previous || step.mode == SendMode::thread_previous) &&
        !seen_automatic_email)
      check.error(where, "send.mode",
                  std::string(to_string(*step.mode)) +
                      " needs an earlier automatic email step (any mode but manual)");
    if (step.mode && step.is_automatic_email()) seen_automatic_email = true;
    seq.steps.push_back(std::move(step));
  }
}

}  // namespace

std::string to_string(const SequenceError& e) {
  std::string out = e.where;
  if (!e.field.empty()) out += ": " + e.field;
  return out + ": " + e.message;
}

SequenceReading read_sequence(std::string_view json_text) {
  Checker check;
  SequenceReading reading;
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::parse_error& e) {
    // nlohmann's message names the line and column.
    check.error("sequence", "", std::string("not valid JSON: ") + e.what());
    reading.errors = check.take();
    return reading;
  }
  if (!doc.is_object()) {
    check.error("sequence", "", "must be a JSON object");
    reading.errors = check.take();
    return reading;
  }
  check.unknown_keys(doc, kSequenceKeys, "sequence", "");

  Sequence& seq = reading.sequence;
  auto name = check.string_at(doc, "name", "sequence", "name");
  if (!name || name->empty()) {
    if (!doc.contains("name") || name) check.error("sequence", "name", "is required");
  } else {
    seq.name = *name;
  }
  read_zone(check, doc, seq);
  read_calendar(check, doc, seq);
  read_exit_on(check, doc, seq);
  if (auto v = check.bool_at(doc, "exclusive", "sequence")) seq.exclusive = *v;
  if (auto v = check.bool_at(doc, "track", "sequence")) seq.track = *v;
  if (auto v = check.bool_at(doc, "stop_company_on_reply", "sequence"))
    seq.stop_company_on_reply = *v;
  read_steps(check, doc, seq);
  reading.errors = check.take();
  return reading;
}

tl::expected<Sequence, std::vector<SequenceError>> parse_sequence(std::string_view json_text) {
  auto reading = read_sequence(json_text);
  if (!reading.errors.empty()) return tl::unexpected(std::move(reading.errors));
  return std::move(reading.sequence);
}

std::string to_json(const Sequence& seq) {
  nlohmann::ordered_json doc;
  doc["name"] = seq.name;
  switch (seq.zone_rule) {
    case ZoneRule::prospect:
      doc["timezone"] = "prospect";
      break;
    case ZoneRule::owner:
      doc["timezone"] = "owner";
      break;
    case ZoneRule::fixed:
      doc["timezone"] = seq.fixed_zone;
      break;
  }
  if (!seq.default_timezone.empty()) doc["default_timezone"] = seq.default_timezone;
  doc["skip_weekends"] = seq.skip_weekends;
  auto holidays = nlohmann::ordered_json::array();
  for (auto day : seq.holidays) holidays.push_back(format_date(date::year_month_day{day}));
  doc["holidays"] = std::move(holidays);
  if (seq.window) {
    doc["window"] = {{"from", format_hh_mm(seq.window->from)},
                     {"to", format_hh_mm(seq.window->to)}};
  }
  auto exit_on = nlohmann::ordered_json::array();
  for (auto cause : seq.exit_on) exit_on.push_back(to_string(cause));
  doc["exit_on"] = std::move(exit_on);
  doc["exclusive"] = seq.exclusive;
  doc["track"] = seq.track;
  // Written only when set, so files without it keep their canonical form (and version).
  if (seq.stop_company_on_reply) doc["stop_company_on_reply"] = true;
  auto steps = nlohmann::ordered_json::array();
  for (const auto& step : seq.steps) {
    nlohmann::ordered_json s;
    s["day"] = step.day;
    s["type"] = to_string(step.type);
    if (step.type == StepType::email) {
      s["send"] = {{"mode", to_string(*step.mode)}};
      if (step.at) s["send"]["at"] = format_hh_mm(*step.at);
      s["template"] = nlohmann::ordered_json::object();
      if (!step.message.subject.empty()) s["template"]["subject"] = step.message.subject;
      s["template"]["body"] = step.message.body;
    }
    if (!step.note.empty()) s["note"] = step.note;
    steps.push_back(std::move(s));
  }
  doc["steps"] = std::move(steps);
  return doc.dump();
}

}  // namespace touchpoint::core
