#pragma once
// Tasks: manual work in a rep's queue (calls, hand-written emails, LinkedIn, other tasks).

#include <optional>
#include <string>

#include <touchpoint/core/id.hpp>
#include <touchpoint/core/sequence.hpp>
#include <touchpoint/core/time.hpp>

namespace touchpoint::core {

enum class TaskState { open, completed, skipped };

const char* to_string(TaskState state) noexcept;
std::optional<TaskState> parse_task_state(std::string_view text);

struct Task {
  TaskId id;
  StepType type = StepType::task;  // email means a manual email
  TaskState state = TaskState::open;
  EnrollmentId enrollment;
  ProspectId prospect;
  std::string prospect_email;
  std::string prospect_name;
  UserId owner;
  std::string owner_email;
  std::string sequence_name;
  int position = 0;      // the step's position in the sequence
  std::string title;     // "Call Åsa Lindström"
  std::string note;      // personalized step note
  std::string subject;   // manual emails: the personalized subject
  std::string body;      // manual emails: the personalized HTML body
  LocalDate due_date{};  // in the enrollment's zone
  Timestamp due_at{};
  std::optional<Timestamp> snoozed_until;
  std::string outcome;          // set on completion ("connected", "left_voicemail", ...)
  std::string notes;            // the rep's notes
  std::string sent_message_id;  // manual emails: the Message-ID the rep's client sent
  std::optional<Timestamp> closed_at;
};

// Where an open task stands for the rep at `now`, in the rep's zone: overdue before today,
// today, upcoming after today. A task snoozed past `now` is upcoming whatever its date.
enum class TaskView { overdue, today, upcoming };

const char* to_string(TaskView view) noexcept;
std::optional<TaskView> parse_task_view(std::string_view text);
TaskView classify(const Task& task, Timestamp now, const date::time_zone& rep_zone);

// "Call Åsa Lindström", "Email Åsa Lindström", ...: what the queue shows.
std::string task_title(StepType type, const std::string& prospect_name);

}  // namespace touchpoint::core
