// The JSON shapes service.hpp documents, and the lookups they need.
#include "internal.hpp"

namespace touchpoint::bridge::detail {

const core::Prospect* Lookups::prospect(core::ProspectId id) {
  auto it = prospects_.find(id.value);
  if (it == prospects_.end()) it = prospects_.emplace(id.value, store_.prospects().get(id)).first;
  return it->second ? &*it->second : nullptr;
}

const core::User* Lookups::user(core::UserId id) {
  auto it = users_.find(id.value);
  if (it == users_.end()) it = users_.emplace(id.value, store_.users().get(id)).first;
  return it->second ? &*it->second : nullptr;
}

const core::Enrollment* Lookups::enrollment(core::EnrollmentId id) {
  auto it = enrollments_.find(id.value);
  if (it == enrollments_.end())
    it = enrollments_.emplace(id.value, store_.enrollments().get(id)).first;
  return it->second ? &*it->second : nullptr;
}

std::string Lookups::sequence_name(core::SequenceId id) {
  auto it = sequence_names_.find(id.value);
  if (it == sequence_names_.end()) {
    auto found = store_.sequences().find(std::to_string(id.value));
    it = sequence_names_.emplace(id.value, found ? found->name : std::string()).first;
  }
  return it->second;
}

const date::time_zone& Lookups::zone_of(core::UserId id) {
  static const date::time_zone* utc = core::find_zone("UTC");
  auto it = zones_.find(id.value);
  if (it == zones_.end()) {
    const core::User* rep = user(id);
    const date::time_zone* zone = rep ? core::find_zone(rep->timezone) : nullptr;
    it = zones_.emplace(id.value, zone ? zone : utc).first;
  }
  return *it->second;
}

std::int64_t Lookups::sequence_id_of(const core::Task& task) {
  // Most of a queue shares a few sequences: one lookup per name instead of one per task.
  auto it = sequence_ids_.find(task.sequence_name);
  if (it == sequence_ids_.end()) {
    auto found = store_.sequences().find(task.sequence_name);
    std::int64_t id = found && found->name == task.sequence_name ? found->id.value : 0;
    it = sequence_ids_.emplace(task.sequence_name, id).first;
  }
  if (it->second) return it->second;
  const auto* e = enrollment(task.enrollment);
  return e ? e->sequence.value : 0;
}

Json instant_json(const std::optional<core::Timestamp>& t) {
  return t ? Json(core::format_utc(*t)) : Json(nullptr);
}

Json user_json(const core::User& u) {
  return Json{{"id", u.id.value}, {"email", u.email}, {"name", u.name}, {"timezone", u.timezone}};
}

Json prospect_brief_json(const core::Prospect& p) {
  return Json{{"id", p.id.value},
              {"email", p.email},
              {"name", core::full_name(p.first_name, p.last_name)},
              {"company", p.company},
              {"timezone", p.timezone}};
}

Json prospect_json(const core::Prospect& p) {
  Json o{{"id", p.id.value},
         {"email", p.email},
         {"name", core::full_name(p.first_name, p.last_name)},
         {"first_name", p.first_name},
         {"last_name", p.last_name},
         {"company", p.company},
         {"title", p.title},
         {"phone", p.phone},
         {"timezone", p.timezone},
         {"owner", p.owner_email},
         {"salesforce_id", p.salesforce_id}};
  o["custom"] = Json::object();
  for (const auto& [k, v] : p.custom) o["custom"][k] = v;
  return o;
}

Json task_json(const store::ListedTask& listed, std::optional<core::Timestamp> now) {
  static const date::time_zone* utc = core::find_zone("UTC");
  const auto& t = listed.task;
  // An ordered_json object is a vector of pairs with const keys: growing it copies every
  // field (nested objects too), so it gets its room first.
  Json o = Json::object();
  o.get_ref<Json::object_t&>().reserve(24);
  o["id"] = t.id.value;
  o["type"] = core::to_string(t.type);
  o["state"] = core::to_string(t.state);
  o["due_date"] = core::format_date(date::year_month_day{t.due_date});
  o["due_at"] = core::format_utc(t.due_at);
  // Where the task stands in its owner's day: only open tasks have a place in the queue.
  o["view"] = nullptr;
  if (now && t.state == core::TaskState::open) {
    const auto* zone = listed.owner_known ? core::find_zone(listed.owner_timezone) : nullptr;
    o["view"] = core::to_string(core::classify(t, *now, zone ? *zone : *utc));
  }
  o["prospect"] = Json{{"id", t.prospect.value},
                       {"email", t.prospect_email},
                       {"name", t.prospect_name},
                       {"company", listed.prospect_company},
                       {"timezone", listed.prospect_timezone}};
  o["owner"] = listed.owner_known
                   ? Json{{"id", t.owner.value}, {"email", t.owner_email}, {"name", listed.owner_name}}
                   : Json(nullptr);
  o["sequence"] = Json{{"id", listed.sequence.value}, {"name", t.sequence_name}};
  o["enrollment"] = t.enrollment.value;
  o["step"] = t.position;
  o["title"] = t.title;
  o["note"] = t.note;
  o["subject"] = t.subject;
  if (t.type == core::StepType::email) o["body"] = t.body;
  o["snoozed_until"] = instant_json(t.snoozed_until);
  o["outcome"] = t.outcome;
  o["notes"] = t.notes;
  o["sent_message_id"] = t.sent_message_id;
  o["closed_at"] = instant_json(t.closed_at);
  return o;
}

Json task_json(const core::Task& t, Lookups& lookups, std::optional<core::Timestamp> now) {
  store::ListedTask listed;
  listed.task = t;
  if (const auto* p = lookups.prospect(t.prospect)) {
    // The prospect as stored now (a task read earlier may carry older names).
    listed.task.prospect_email = p->email;
    listed.task.prospect_name = core::full_name(p->first_name, p->last_name);
    listed.prospect_company = p->company;
    listed.prospect_timezone = p->timezone;
  }
  if (const auto* owner = lookups.user(t.owner)) {
    listed.owner_known = true;
    listed.task.owner_email = owner->email;
    listed.owner_name = owner->name;
    listed.owner_timezone = owner->timezone;
  }
  listed.sequence = core::SequenceId{lookups.sequence_id_of(t)};
  return task_json(listed, now);
}

Json enrollment_json(const core::Enrollment& e, Lookups& lookups) {
  Json o;
  o["id"] = e.id.value;
  o["sequence"] = Json{{"id", e.sequence.value}, {"name", lookups.sequence_name(e.sequence)}};
  o["version_id"] = e.version.value;
  const auto* p = lookups.prospect(e.prospect);
  o["prospect"] = p ? prospect_brief_json(*p) : Json{{"id", e.prospect.value}};
  const auto* owner = lookups.user(e.owner);
  o["owner"] = owner ? Json{{"id", owner->id.value}, {"email", owner->email}, {"name", owner->name}}
                     : Json(nullptr);
  o["state"] = core::to_string(e.state);
  o["exit_cause"] = e.exit_cause ? Json(core::to_string(*e.exit_cause)) : Json(nullptr);
  o["paused_until"] = instant_json(e.paused_until);
  o["start"] = core::format_utc(e.start);
  o["zone"] = e.zone;
  return o;
}

Json activity_json(const store::ActivityEvent& a) {
  Json o;
  o["id"] = a.event.id;
  o["at"] = core::format_utc(a.event.at);
  o["type"] = a.event.type;
  o["detail"] = a.event.detail;
  o["machine"] = !a.machine.empty();
  o["machine_kind"] = a.machine.empty() ? Json(nullptr) : Json(a.machine);
  o["prospect"] = nullptr;
  if (a.event.prospect)
    o["prospect"] = Json{{"id", a.event.prospect->value},
                         {"email", a.prospect_email},
                         {"name", core::full_name(a.prospect_first_name, a.prospect_last_name)}};
  o["enrollment"] = nullptr;
  if (a.event.enrollment)
    o["enrollment"] = Json{{"id", a.event.enrollment->value},
                           {"state", a.enrollment_state},
                           {"sequence", Json{{"id", a.sequence}, {"name", a.sequence_name}}}};
  o["step"] = a.position ? Json(a.position) : Json(nullptr);
  o["step_run"] = a.step_run ? Json(a.step_run) : Json(nullptr);
  o["message"] = a.message ? Json(a.message) : Json(nullptr);
  o["subject"] = a.subject;
  return o;
}

}  // namespace touchpoint::bridge::detail
