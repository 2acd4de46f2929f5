#include <touchpoint/core/sequence.hpp>

#include <array>
#include <utility>

namespace touchpoint::core {
namespace {

template <typename Enum, std::size_t N>
std::optional<Enum> lookup(const std::array<std::pair<const char*, Enum>, N>& table,
                           std::string_view text) {
  for (const auto& [name, value] : table)
    if (text == name) return value;
  return std::nullopt;
}

template <typename Enum, std::size_t N>
const char* name_of(const std::array<std::pair<const char*, Enum>, N>& table, Enum value) {
  for (const auto& [name, v] : table)
    if (v == value) return name;
  return "?";
}

constexpr std::array<std::pair<const char*, StepType>, 4> kStepTypes{{
    {"email", StepType::email},
    {"call", StepType::call},
    {"task", StepType::task},
    {"linkedin", StepType::linkedin},
}};

constexpr std::array<std::pair<const char*, SendMode>, 5> kSendModes{{
    {"choose_at_start", SendMode::choose_at_start},
    {"at_time", SendMode::at_time},
    {"same_as_previous", SendMode::same_as_previous},
    {"thread_previous", SendMode::thread_previous},
    {"manual", SendMode::manual},
}};

constexpr std::array<std::pair<const char*, ExitCause>, 4> kExitCauses{{
    {"reply", ExitCause::reply},
    {"bounce", ExitCause::bounce},
    {"unsubscribe", ExitCause::unsubscribe},
    {"manual", ExitCause::manual},
}};

}  // namespace

const char* to_string(StepType type) noexcept {
  return name_of(kStepTypes, type);
}
const char* to_string(SendMode mode) noexcept {
  return name_of(kSendModes, mode);
}
const char* to_string(ExitCause cause) noexcept {
  return name_of(kExitCauses, cause);
}
std::optional<StepType> parse_step_type(std::string_view t) {
  return lookup(kStepTypes, t);
}
std::optional<SendMode> parse_send_mode(std::string_view t) {
  return lookup(kSendModes, t);
}
std::optional<ExitCause> parse_exit_cause(std::string_view t) {
  return lookup(kExitCauses, t);
}

}  // namespace touchpoint::core
