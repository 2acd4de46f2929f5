// Touchpoint's tasks and sent emails as Salesforce Task records (DESIGN.md §9).
#include <touchpoint/salesforce/sync.hpp>

#include <limits>
#include <regex>
#include <unordered_map>

#include <touchpoint/core/ascii.hpp>

namespace touchpoint::salesforce {
namespace {

// At most `limit` characters (code points, as Salesforce counts them), never cutting a UTF-8
// sequence.
std::string truncate_chars(const std::string& text, std::size_t limit) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (chars == limit) return text.substr(0, i);
      ++chars;
    }
  }
  return text;
}

const char* status_of(core::TaskState state) {
  switch (state) {
    case core::TaskState::open:
      return "Not Started";
    case core::TaskState::completed:
      return "Completed";
    case core::TaskState::skipped:
      return "Deferred";
  }
  return "Not Started";
}

const char* subtype_of(core::StepType type) {
  switch (type) {
    case core::StepType::call:
      return "Call";
    case core::StepType::email:
      return "Email";
    default:
      return "Task";
  }
}

// A call's outcome is its disposition, optionally followed by how long it lasted:
// "connected", "connected 320s", "left voicemail 1:05".
std::pair<std::string, std::optional<int>> disposition_of(const std::string& outcome) {
  static const std::regex with_seconds(R"(^(.*?)\s+(\d+)s$)");
  static const std::regex with_minutes(R"(^(.*?)\s+(\d+):([0-5]\d)$)");
  std::smatch m;
  if (std::regex_match(outcome, m, with_seconds)) return {m[1].str(), std::stoi(m[2].str())};
  if (std::regex_match(outcome, m, with_minutes))
    return {m[1].str(), std::stoi(m[2].str()) * 60 + std::stoi(m[3].str())};
  return {outcome, std::nullopt};
}

void set_owner(nlohmann::ordered_json& f, const Settings& settings, const std::string& rep) {
  auto it = settings.users.find(core::lower_ascii(rep));
  if (it != settings.users.end()) f["OwnerId"] = it->second;
}

}  // namespace

nlohmann::ordered_json task_fields(const core::Task& t, const std::string& who_id,
                                   const Settings& settings) {
  nlohmann::ordered_json f;
  f[settings.external_id_field] = "tp-task-" + std::to_string(t.id.value);
  bool email = t.type == core::StepType::email;
  f["Subject"] = truncate_chars(email && !t.subject.empty() ? t.subject : t.title, 255);
  f["Status"] = status_of(t.state);
  f["Priority"] = "Normal";
  f["ActivityDate"] = core::format_date(date::year_month_day{t.due_date});
  f["TaskSubtype"] = subtype_of(t.type);
  if (!who_id.empty()) f["WhoId"] = who_id;
  set_owner(f, settings, t.owner_email);
  if (t.type == core::StepType::call) {
    f["CallType"] = "Outbound";
    if (!t.outcome.empty()) {
      auto [disposition, seconds] = disposition_of(t.outcome);
      f["CallDisposition"] = truncate_chars(disposition, 255);
      if (seconds) f["CallDurationInSeconds"] = *seconds;
    }
  }
  std::string description;
  auto add = [&](const std::string& label, const std::string& text) {
    if (text.empty()) return;
    description += (description.empty() ? "" : "\n") + label + text;
  };
  add("", t.note);
  if (t.type != core::StepType::call) add("Outcome: ", t.outcome);
  add("Notes: ", t.notes);
  add("Sent Message-ID: ", t.sent_message_id);
  add("Sequence: ", t.sequence_name.empty()
                        ? std::string()
                        : t.sequence_name + ", step " + std::to_string(t.position));
  f["Description"] = truncate_chars(description, 32000);
  return f;
}

std::vector<store::OutboxRecord> task_records(store::Store& store, const Settings& settings) {
  // Every prospect's Salesforce id, by id and by email, read once.
  std::unordered_map<std::int64_t, std::string> who_by_id;
  std::unordered_map<std::string, std::string> who_by_email;
  for (const auto& p : store.prospects().list({})) {
    who_by_id[p.id.value] = p.salesforce_id;
    who_by_email[core::lower_ascii(p.email)] = p.salesforce_id;
  }
  std::vector<store::OutboxRecord> out;
  store::TaskFilter all;
  all.state.reset();
  for (const auto& t : store.tasks().list(all)) {
    auto who = who_by_id.find(t.prospect.value);
    auto fields = task_fields(t, who == who_by_id.end() ? std::string() : who->second, settings);
    out.push_back({"tp-task-" + std::to_string(t.id.value), fields.dump(), ""});
  }
  // Sent emails: completed Tasks with TaskSubtype Email.
  for (const auto& m : store.messages().list(std::nullopt)) {
    if (m.state != store::DeliveryState::sent) continue;
    const auto& msg = m.message;
    store::SentEmail e{msg.id.value,
                       msg.message_id,
                       msg.subject,
                       msg.from_email,
                       msg.to_email,
                       m.position,
                       m.sent_at.value_or(msg.date)};
    auto who = who_by_email.find(core::lower_ascii(msg.to_email));
    out.push_back(
        email_record(e, who == who_by_email.end() ? std::string() : who->second, settings));
  }
  return out;
}

store::OutboxRecord email_record(const store::SentEmail& e, const std::string& who_id,
                                 const Settings& settings) {
  nlohmann::ordered_json f;
  std::string id = "tp-email-" + std::to_string(e.id);
  f[settings.external_id_field] = id;
  f["Subject"] = truncate_chars("Email: " + e.subject, 255);
  f["Status"] = "Completed";
  f["Priority"] = "Normal";
  f["ActivityDate"] = core::format_date(date::year_month_day{date::floor<date::days>(e.sent_at)});
  f["TaskSubtype"] = "Email";
  if (!who_id.empty()) f["WhoId"] = who_id;
  set_owner(f, settings, e.from_email);
  f["Description"] = "Sent by Touchpoint to " + e.to_email + " (step " +
                     std::to_string(e.position) + "). Message-ID: <" + e.message_id + ">";
  return {id, f.dump(), ""};
}

std::optional<store::OutboxRecord> record_of(store::Store& store, const Settings& settings,
                                             const std::string& external_id) {
  auto number = [&](const std::string& prefix) -> std::optional<std::int64_t> {
    if (external_id.rfind(prefix, 0) != 0) return std::nullopt;
    try {
      return std::stoll(external_id.substr(prefix.size()));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  };
  if (auto id = number("tp-task-")) {
    auto t = store.tasks().get(core::TaskId{*id});
    if (!t) return std::nullopt;
    auto p = store.prospects().get(t->prospect);
    auto fields = task_fields(*t, p ? p->salesforce_id : std::string(), settings);
    return store::OutboxRecord{external_id, fields.dump(), ""};
  }
  if (auto id = number("tp-email-")) {
    auto e = store.salesforce().sent_email(*id);
    if (!e) return std::nullopt;
    auto p = store.prospects().find(e->to_email);
    return email_record(*e, p ? p->salesforce_id : std::string(), settings);
  }
  return std::nullopt;
}

std::string capture_fingerprint(const Settings& settings) {
  // What shapes a record besides the store's rows: when it changes, every record is compared.
  nlohmann::json users(settings.users);
  return nlohmann::json{{"external_id_field", settings.external_id_field}, {"users", users}}.dump();
}

std::size_t stage_changes(store::Store& store, const Settings& settings, core::Timestamp now) {
  auto& repo = store.salesforce();
  constexpr std::size_t kMarksPerRound = 1000;
  auto fingerprint = capture_fingerprint(settings);
  if (repo.state("outbox.capture") != fingerprint) {
    // Capture goes on first: a change committed from here on is marked by the triggers; one
    // committed before is found by comparing every record with the outbox.
    repo.set_state("outbox.capture", fingerprint, now);
    auto marks = repo.marked(std::numeric_limits<std::size_t>::max());
    return repo.stage_marked(task_records(store, settings), marks, now);
  }
  std::size_t staged = 0;
  // Rounds of marks; a mark bumped meanwhile comes back in the next round (or the next run).
  for (int round = 0; round < 10'000; ++round) {
    auto marks = repo.marked(kMarksPerRound);
    std::vector<store::OutboxRecord> records;
    for (const auto& m : marks)
      if (auto r = record_of(store, settings, m.external_id)) records.push_back(std::move(*r));
    if (!marks.empty()) staged += repo.stage_marked(records, marks, now);
    if (marks.size() < kMarksPerRound) break;
  }
  return staged;
}

std::vector<DiffEntry> push_diff(store::Store& store, const Settings& settings) {
  std::vector<DiffEntry> out;
  for (const auto& r : store.salesforce().changed(task_records(store, settings))) {
    DiffEntry d{r.external_id, r.previous.empty() ? "create" : "update", {}};
    auto now = nlohmann::json::parse(r.payload);
    auto before = r.previous.empty() ? nlohmann::json::object() : nlohmann::json::parse(r.previous);
    for (const auto& [key, value] : now.items())
      if (!before.contains(key) || before[key] != value) d.fields.push_back(key);
    for (const auto& [key, value] : before.items())
      if (!now.contains(key)) d.fields.push_back(key);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace touchpoint::salesforce
