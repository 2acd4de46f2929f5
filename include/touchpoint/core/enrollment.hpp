#pragma once
// Enrollments: one prospect going through one version of a sequence.

#include <optional>
#include <string>

#include <touchpoint/core/id.hpp>
#include <touchpoint/core/sequence.hpp>
#include <touchpoint/core/time.hpp>

namespace touchpoint::core {

enum class EnrollmentState {
  active,    // steps run when due
  paused,    // nothing runs; resumes by hand or at `paused_until`
  finished,  // every step done
  exited,    // ended early; `exit_cause` says why
};

const char* to_string(EnrollmentState state) noexcept;
std::optional<EnrollmentState> parse_enrollment_state(std::string_view text);

struct Enrollment {
  EnrollmentId id;
  SequenceId sequence;
  SequenceVersionId version;
  ProspectId prospect;
  UserId owner;
  EnrollmentState state = EnrollmentState::active;
  std::optional<ExitCause> exit_cause;
  std::optional<Timestamp> paused_until;
  Timestamp start{};
  std::string zone;  // resolved at enrollment (rule 1)
};

}  // namespace touchpoint::core
