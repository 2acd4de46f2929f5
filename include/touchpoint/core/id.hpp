#pragma once
// Strong ids: Id<Tag> wraps an int64_t and does not convert to another Id.

#include <compare>
#include <cstdint>
#include <functional>

namespace touchpoint::core {

template <typename Tag>
struct Id {
  std::int64_t value = 0;

  constexpr Id() = default;
  constexpr explicit Id(std::int64_t v) : value(v) {}
  constexpr explicit operator bool() const { return value != 0; }
  friend constexpr auto operator<=>(Id, Id) = default;
};

struct UserTag {};
struct ProspectTag {};
struct SequenceTag {};
struct SequenceVersionTag {};
struct EnrollmentTag {};
struct StepRunTag {};
struct TaskTag {};
struct MessageTag {};

using UserId = Id<UserTag>;
using ProspectId = Id<ProspectTag>;
using SequenceId = Id<SequenceTag>;
using SequenceVersionId = Id<SequenceVersionTag>;
using EnrollmentId = Id<EnrollmentTag>;
using StepRunId = Id<StepRunTag>;
using TaskId = Id<TaskTag>;
using MessageId = Id<MessageTag>;

}  // namespace touchpoint::core

template <typename Tag>
struct std::hash<touchpoint::core::Id<Tag>> {
  std::size_t operator()(touchpoint::core::Id<Tag> id) const noexcept {
    return std::hash<std::int64_t>{}(id.value);
  }
};
