// Sequences: list, get (with KPIs per step), versions, apply.
#include <map>

#include <touchpoint/engine/sequence_files.hpp>

#include "internal.hpp"

namespace touchpoint::bridge {

using namespace detail;

namespace {

const char* zone_rule_name(core::ZoneRule rule) {
  switch (rule) {
    case core::ZoneRule::prospect:
      return "prospect";
    case core::ZoneRule::owner:
      return "owner";
    case core::ZoneRule::fixed:
      return "fixed";
  }
  return "prospect";
}

Json kpis_json(const store::StepKpis& k) {
  return Json{{"sent", k.sent},
              {"opened", k.opened},
              {"clicked", k.clicked},
              {"replied", k.replied},
              {"unsubscribed", k.unsubscribed},
              {"machine_opened", k.machine_opened},
              {"tasks_open", k.tasks_open},
              {"tasks_completed", k.tasks_completed},
              {"tasks_skipped", k.tasks_skipped}};
}

Json summary_json(const store::SequenceSummary& s) {
  return Json{{"id", s.id.value},
              {"name", s.name},
              {"version", s.version},
              {"steps", s.steps},
              {"active_enrollments", s.active_enrollments}};
}

}  // namespace

Json Service::list_sequences() {
  Json list = Json::array();
  for (const auto& s : store_.sequences().list()) list.push_back(summary_json(s));
  return Json{{"sequences", std::move(list)}};
}

Json Service::get_sequence(std::string_view id_or_name) {
  auto summary = sequence_by(store_, "id", std::string(id_or_name));
  auto sequence = store_.sequences().load_version(summary.version_id);
  if (!sequence) throw ApiError(500, "internal", "the current version of the sequence is missing");

  std::map<int, store::StepKpis> kpis;
  for (const auto& k : store_.activity().step_kpis(summary.id)) kpis[k.position] = k;

  Json o = summary_json(summary);
  o["settings"] = Json{
      {"timezone", zone_rule_name(sequence->zone_rule)},
      {"fixed_timezone", sequence->fixed_zone},
      {"default_timezone", sequence->default_timezone},
      {"skip_weekends", sequence->skip_weekends},
      {"send_window", sequence->window ? Json{{"from", core::format_hh_mm(sequence->window->from)},
                                              {"to", core::format_hh_mm(sequence->window->to)}}
                                       : Json(nullptr)},
      {"exit_on", Json::array()},
      {"exclusive", sequence->exclusive},
      {"track", sequence->track},
      {"stop_company_on_reply", sequence->stop_company_on_reply}};
  for (auto cause : sequence->exit_on) o["settings"]["exit_on"].push_back(core::to_string(cause));
  Json steps = Json::array();
  for (const auto& step : sequence->steps) {
    store::StepKpis none;
    auto it = kpis.find(step.position);
    steps.push_back(
        Json{{"position", step.position},
             {"type", core::to_string(step.type)},
             {"day", step.day},
             {"send_mode", step.mode ? Json(core::to_string(*step.mode)) : Json(nullptr)},
             {"at", step.at ? Json(core::format_hh_mm(*step.at)) : Json(nullptr)},
             {"subject", step.message.subject},
             {"note", step.note},
             {"creates_task", step.creates_task()},
             {"kpis", kpis_json(it == kpis.end() ? none : it->second)}});
  }
  o["steps"] = std::move(steps);
  return Json{{"sequence", std::move(o)}};
}

Json Service::sequence_versions(std::string_view id_or_name) {
  auto summary = sequence_by(store_, "id", std::string(id_or_name));
  Json versions = Json::array();
  for (int number = 1; number <= summary.version; ++number)
    if (auto id = store_.sequences().find_version(summary.id, number))
      versions.push_back(Json{{"number", number}, {"id", id->value}});
  return Json{{"id", summary.id.value}, {"name", summary.name}, {"versions", std::move(versions)}};
}

Json Service::apply_sequence(std::string_view body, core::Timestamp now) {
  if (!Json::accept(body)) throw ApiError(400, "bad_json", "the body is not valid JSON");
  auto applied = engine::apply_sequence_text(store_, body, now);
  if (!applied) {
    const auto& errors = applied.error();
    Json details = Json::array();
    for (const auto& e : errors)
      details.push_back(Json{{"where", e.where},
                             {"field", e.field},
                             {"message", e.message},
                             {"text", core::to_string(e)}});
    throw ApiError(422, "invalid",
                   "the sequence has " + std::to_string(errors.size()) +
                       (errors.size() == 1 ? " error" : " errors") + " and was not applied",
                   std::move(details));
  }
  return Json{
      {"id", applied->id.value}, {"version", applied->version}, {"changed", applied->changed}};
}

}  // namespace touchpoint::bridge
