#include <touchpoint/core/task.hpp>

namespace touchpoint::core {

const char* to_string(TaskState state) noexcept {
  switch (state) {
    case TaskState::open:
      return "open";
    case TaskState::completed:
      return "completed";
    case TaskState::skipped:
      return "skipped";
  }
  return "?";
}

std::optional<TaskState> parse_task_state(std::string_view text) {
  for (auto s : {TaskState::open, TaskState::completed, TaskState::skipped})
    if (text == to_string(s)) return s;
  return std::nullopt;
}

const char* to_string(TaskView view) noexcept {
  switch (view) {
    case TaskView::overdue:
      return "overdue";
    case TaskView::today:
      return "today";
    case TaskView::upcoming:
      return "upcoming";
  }
  return "?";
}

std::optional<TaskView> parse_task_view(std::string_view text) {
  for (auto v : {TaskView::overdue, TaskView::today, TaskView::upcoming})
    if (text == to_string(v)) return v;
  return std::nullopt;
}

TaskView classify(const Task& task, Timestamp now, const date::time_zone& rep_zone) {
  if (task.snoozed_until && *task.snoozed_until > now) return TaskView::upcoming;
  auto today = date::floor<date::days>(to_local(now, rep_zone));
  if (task.due_date < today) return TaskView::overdue;
  return task.due_date == today ? TaskView::today : TaskView::upcoming;
}

std::string task_title(StepType type, const std::string& prospect_name) {
  switch (type) {
    case StepType::email:
      return "Email " + prospect_name;
    case StepType::call:
      return "Call " + prospect_name;
    case StepType::linkedin:
      return "LinkedIn " + prospect_name;
    case StepType::task:
      break;
  }
  return "Task for " + prospect_name;
}

}  // namespace touchpoint::core
