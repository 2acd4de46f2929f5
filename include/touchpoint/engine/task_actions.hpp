#pragma once
// What reps do with tasks, with the sequence rules that follow from it.

#include <touchpoint/store/store.hpp>

namespace touchpoint::engine {

// Completes or skips an open task. Rule 8: when it is closed k allowed dates after its due
// date (in the enrollment's zone), every later step of the enrollment moves k allowed dates
// later. `not_found` / `conflict` when the task is missing or already closed.
core::Result<core::Task> close_task(store::Store& store, core::TaskId id,
                                    const store::TaskClosure& closure);

}  // namespace touchpoint::engine
