#include <touchpoint/core/schedule_preview.hpp>

namespace touchpoint::core {

nlohmann::ordered_json preview_json(const std::string& prospect_email, const Plan& plan) {
  nlohmann::ordered_json steps = nlohmann::ordered_json::array();
  for (const auto& step : plan.steps) {
    nlohmann::ordered_json s;
    s["position"] = step.position;
    s["day"] = step.day;
    s["type"] = to_string(step.type);
    s["mode"] = step.mode ? nlohmann::ordered_json(to_string(*step.mode)) : nullptr;
    s["action"] = step.action == StepAction::send ? "send" : "task";
    s["thread"] = step.thread;
    if (step.action == StepAction::task)
      s["due_date"] = format_date(date::year_month_day{step.date});
    s["due_at"] = format_utc(step.due_at);
    s["local"] = format_local(step.due_at, *plan.zone.zone);
    steps.push_back(std::move(s));
  }
  nlohmann::ordered_json out;
  out["prospect"] = prospect_email;
  out["zone"] = plan.zone.name;
  out["steps"] = std::move(steps);
  return out;
}

}  // namespace touchpoint::core
