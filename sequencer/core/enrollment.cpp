#include <touchpoint/core/enrollment.hpp>

namespace touchpoint::core {

const char* to_string(EnrollmentState state) noexcept {
  switch (state) {
    case EnrollmentState::active:
      return "active";
    case EnrollmentState::paused:
      return "paused";
    case EnrollmentState::finished:
      return "finished";
    case EnrollmentState::exited:
      return "exited";
  }
  return "?";
}

std::optional<EnrollmentState> parse_enrollment_state(std::string_view text) {
  for (auto s : {EnrollmentState::active, EnrollmentState::paused, EnrollmentState::finished,
                 EnrollmentState::exited})
    if (text == to_string(s)) return s;
  return std::nullopt;
}

}  // namespace touchpoint::core
