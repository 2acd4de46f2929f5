#pragma once
// The Message-ID of an email the engine sends for a step.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <touchpoint/core/time.hpp>

namespace touchpoint::core {

// "tp2.<due>.<step>.<random>@<domain of the sender>": the step's due instant (9 hex digits)
// and its id (10 hex digits), fixed width, then 16 random hex digits. Steps are claimed in
// (due, id) order, so the ids a claim makes sort in the order they are stored and the unique
// index over them grows at one end instead of being written all over (the random part made
// the earlier "tp.<step>.<random>" land anywhere). Unique within a database through the step
// id, across databases through the random part.
std::string step_message_id(Timestamp due_at, std::int64_t step, std::uint64_t random,
                            std::string_view sender_email);

// The step id inside a Message-ID made by step_message_id, or by the earlier form
// "tp.<step>.<random>@..."; nullopt for any other id.
std::optional<std::int64_t> step_of_message_id(std::string_view message_id);

}  // namespace touchpoint::core
