#pragma once
// Reads and validates a sequence file (DESIGN.md §3). A file that breaks any rule is rejected
// whole; every broken rule is reported, each naming its step and field.

#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include <touchpoint/core/sequence.hpp>

namespace touchpoint::core {

// One broken rule. `where` is "sequence" or "step N" (N is the 1-based position in the file);
// `field` is a JSON path inside it ("send.at", "timezone"). `message` says what is wrong.
struct SequenceError {
  std::string where;
  std::string field;
  std::string message;
};

std::string to_string(const SequenceError& e);  // "step 3: send.at: '25:61' is not HH:MM"

// Reads as much of the file as it can: the sequence (partial when there are errors, so more
// checks can run on it) and every error found. Thread-safe.
struct SequenceReading {
  Sequence sequence;
  std::vector<SequenceError> errors;
};
SequenceReading read_sequence(std::string_view json_text);

// Parses the file's text. Returns the sequence, or every error found. Thread-safe.
tl::expected<Sequence, std::vector<SequenceError>> parse_sequence(std::string_view json_text);

// The canonical JSON of a sequence: what is stored for a version, and what parse_sequence
// reads back to an equal sequence.
std::string to_json(const Sequence& sequence);

}  // namespace touchpoint::core
