#pragma once
// The JSON of `touchpoint schedule` (DESIGN.md §3.2), one object per prospect.

#include <string>

#include <nlohmann/json.hpp>

#include <touchpoint/core/schedule.hpp>

namespace touchpoint::core {

// {"prospect": ..., "zone": ..., "steps": [{"position", "day", "type", "mode", "action",
// "thread", ["due_date",] "due_at", "local"}]}; keys in that order.
nlohmann::ordered_json preview_json(const std::string& prospect_email, const Plan& plan);

}  // namespace touchpoint::core
