#pragma once
// The scheduling rules of DESIGN.md §3.1: when every step of an enrollment is due. Pure and
// exact: previews, tests and the engine all call this.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <touchpoint/core/sequence.hpp>

namespace touchpoint::core {

// Rule 1. The zone a sequence uses for one prospect. An unknown name counts as absent.
struct ResolvedZone {
  std::string name;                       // "UTC" when nothing else applies
  const date::time_zone* zone = nullptr;  // never null
};
ResolvedZone resolve_zone(const Sequence& sequence, std::string_view prospect_zone,
                          std::string_view owner_zone);

enum class StepAction { send, task };

struct PlannedStep {
  int position = 0;  // 1-based, as in the file
  int day = 0;       // as in the file
  StepType type = StepType::email;
  std::optional<SendMode> mode;
  StepAction action = StepAction::send;
  bool thread = false;
  LocalDate date{};  // the step's local date (rule 3, plus any shift)
  Timestamp due_at{};
};

struct Plan {
  ResolvedZone zone;
  LocalDate day1{};
  std::vector<PlannedStep> steps;  // one per step, in file order
};

// Computes every step's due instant for an enrollment starting at `start` (rules 2 to 7).
// `shifts[i]`, when given, moves step i that many allowed dates later (rule 8, applied by the
// engine when a task is closed late); missing entries count as 0. Thread-safe.
Plan plan_schedule(const Sequence& sequence, const ResolvedZone& zone, Timestamp start,
                   std::span<const int> shifts = {});

}  // namespace touchpoint::core
