#include <touchpoint/engine/versions.hpp>

#include <touchpoint/core/schedule.hpp>

namespace touchpoint::engine {

MoveResult move_enrollments(store::Store& store, const store::SequenceSummary& sequence,
                            core::SequenceVersionId version, int version_number,
                            core::Timestamp now) {
  MoveResult result;
  auto target = store.sequences().load_version(version);
  if (!target) {
    result.errors.push_back("version " + std::to_string(version_number) + " is missing");
    return result;
  }
  for (const auto& e : store.enrollments().list({sequence.id, std::nullopt})) {
    bool live =
        e.state == core::EnrollmentState::active || e.state == core::EnrollmentState::paused;
    if (!live || e.version == version) continue;
    core::ResolvedZone zone{e.zone, core::find_zone(e.zone)};
    if (!zone.zone) zone = {"UTC", core::find_zone("UTC")};
    auto shifts = store.enrollments().shifts(e.id);
    shifts.resize(target->steps.size(), shifts.empty() ? 0 : shifts.back());
    auto plan = core::plan_schedule(*target, zone, e.start, shifts);
    std::vector<core::Timestamp> due;
    for (const auto& s : plan.steps) due.push_back(s.due_at);
    auto moved = store.enrollments().move_to_version(e.id, version, due, now);
    if (moved)
      ++result.moved;
    else
      result.errors.push_back("enrollment " + std::to_string(e.id.value) + ": " +
                              moved.error().message);
  }
  return result;
}

}  // namespace touchpoint::engine
