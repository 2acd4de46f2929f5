#pragma once
// Moving enrolled prospects to a newer (or older) version of their sequence, explicitly:
// applying a changed file never moves anybody by itself.

#include <string>
#include <vector>

#include <touchpoint/store/store.hpp>

namespace touchpoint::engine {

struct MoveResult {
  int moved = 0;
  std::vector<std::string> errors;  // "enrollment 4: has ended"
};

// Moves every live enrollment of `sequence` that is on another version to `version`,
// recomputing pending steps with the same start, zone and shifts. Later steps of the new
// version keep rule 8's shifts already earned.
MoveResult move_enrollments(store::Store& store, const store::SequenceSummary& sequence,
                            core::SequenceVersionId version, int version_number,
                            core::Timestamp now);

}  // namespace touchpoint::engine
