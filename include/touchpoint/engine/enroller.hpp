#pragma once
// Enrolling prospects: each gets its zone (rule 1) and its whole plan (rules 2-7) stored.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <touchpoint/core/prospect.hpp>
#include <touchpoint/store/store.hpp>

namespace touchpoint::engine {

struct EnrollOptions {
  std::optional<core::UserId> owner;  // overrides each prospect's own owner
  core::Timestamp start{};
  std::function<void(std::size_t done, std::size_t total)> progress;
};

struct EnrollResult {
  int enrolled = 0;
  std::vector<std::string> already_active;  // prospect emails
  std::vector<std::string> errors;          // "asa@x.se: has no owner; pass --owner"
};

// Enrolls `prospects` in the sequence's current version. A prospect without an owner is
// reported and skipped; one already active in the sequence is skipped and listed.
core::Result<EnrollResult> enroll(store::Store& store, const store::SequenceSummary& sequence,
                                  const std::vector<core::Prospect>& prospects,
                                  const EnrollOptions& options);

}  // namespace touchpoint::engine
