#pragma once
// A sequence: the multi-day campaign sales ops define (DESIGN.md §3).

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <touchpoint/core/time.hpp>

namespace touchpoint::core {

enum class StepType { email, call, task, linkedin };
enum class SendMode { choose_at_start, at_time, same_as_previous, thread_previous, manual };

enum class ZoneRule {
  prospect,  // the prospect's zone, else the owner's, else default_timezone, else UTC
  owner,     // the owner's zone, else default_timezone, else UTC
  fixed,     // one IANA zone for everybody
};

// Why an enrollment ends early.
enum class ExitCause { reply, bounce, unsubscribe, manual };

const char* to_string(StepType type) noexcept;
const char* to_string(SendMode mode) noexcept;
const char* to_string(ExitCause cause) noexcept;
std::optional<StepType> parse_step_type(std::string_view text);
std::optional<SendMode> parse_send_mode(std::string_view text);
std::optional<ExitCause> parse_exit_cause(std::string_view text);

struct MessageTemplate {
  std::string subject;  // empty on threaded steps: they reuse the thread's subject
  std::string body;     // HTML
};

struct Step {
  int position = 0;  // 1-based index in the file
  int day = 1;       // >= 1, non-decreasing
  StepType type = StepType::email;
  std::optional<SendMode> mode;  // email steps only
  std::optional<TimeOfDay> at;   // at_time only
  MessageTemplate message;       // email steps only
  std::string note;              // task-creating steps: what the rep should do

  // Manual emails, calls, tasks and LinkedIn steps all put a task in the rep's queue.
  bool creates_task() const { return type != StepType::email || mode == SendMode::manual; }
  // An email the engine sends itself (any mode but manual).
  bool is_automatic_email() const { return type == StepType::email && !creates_task(); }
};

struct SendWindow {
  TimeOfDay from{};
  TimeOfDay to{};
};

struct Sequence {
  std::string name;
  ZoneRule zone_rule = ZoneRule::prospect;
  std::string fixed_zone;        // ZoneRule::fixed only
  std::string default_timezone;  // empty when absent
  bool skip_weekends = true;
  std::set<date::local_days> holidays;
  std::optional<SendWindow> window;
  std::set<ExitCause> exit_on;
  bool exclusive = false;  // at most one active sequence per prospect (an exclusion rule)
  bool track = true;       // open pixel and link rewriting
  // A reply from one prospect also ends the enrollments in this sequence of everybody at the
  // same email domain (the same company).
  bool stop_company_on_reply = false;
  std::vector<Step> steps;
};

}  // namespace touchpoint::core
