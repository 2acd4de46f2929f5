#include <touchpoint/engine/task_actions.hpp>

#include <touchpoint/core/calendar.hpp>
#include <touchpoint/core/schedule.hpp>
#include <touchpoint/core/threading.hpp>

namespace touchpoint::engine {

core::Result<core::Task> close_task(store::Store& store, core::TaskId id,
                                    const store::TaskClosure& closure) {
  auto task = store.tasks().get(id);
  if (!task) return core::fail(core::ErrorCode::not_found, "no task " + std::to_string(id.value));
  if (task->state != core::TaskState::open)
    return core::fail(core::ErrorCode::conflict, "task " + std::to_string(id.value) +
                                                     " is already " + core::to_string(task->state));
  // The next threaded step replies to this id: keep it in the bare form its headers need.
  store::TaskClosure closed = closure;
  if (!closure.sent_message_id.empty()) {
    auto clean = core::normalize_message_id(closure.sent_message_id, "sent_message_id");
    if (!clean) return tl::unexpected(clean.error());
    closed.sent_message_id = std::move(*clean);
  }
  auto enrollment = store.enrollments().get(task->enrollment);
  auto seq = enrollment ? store.sequences().load_version(enrollment->version) : std::nullopt;
  if (!seq) return core::fail(core::ErrorCode::not_found, "the task's enrollment is missing");

  // Rule 8: k allowed dates between the due date and the day it was closed, in the
  // enrollment's zone, move every later step k allowed dates.
  core::ResolvedZone zone{enrollment->zone, core::find_zone(enrollment->zone)};
  if (!zone.zone) zone = {"UTC", core::find_zone("UTC")};
  core::Calendar calendar(seq->skip_weekends, seq->holidays);
  auto closed_on = date::floor<date::days>(core::to_local(closure.at, *zone.zone));
  int late = calendar.allowed_between(task->due_date, closed_on);

  std::vector<store::Reschedule> later;
  if (late > 0) {
    auto shifts = store.enrollments().shifts(enrollment->id);
    shifts.resize(seq->steps.size(), 0);
    for (std::size_t i = static_cast<std::size_t>(task->position); i < shifts.size(); ++i)
      shifts[i] += late;
    auto plan = core::plan_schedule(*seq, zone, enrollment->start, shifts);
    for (std::size_t i = static_cast<std::size_t>(task->position); i < plan.steps.size(); ++i)
      later.push_back({plan.steps[i].position, plan.steps[i].due_at, shifts[i]});
  }
  return store.tasks().close(id, closed, later);
}

}  // namespace touchpoint::engine
