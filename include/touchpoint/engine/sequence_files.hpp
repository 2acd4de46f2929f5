#pragma once
// Applying a sequence file (DESIGN.md §3): parse, check the templates against the fields the
// store knows, store. Shared by `touchpoint sequence apply` and the bridge's
// POST /api/v1/sequences, so both accept and reject exactly the same files.

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include <touchpoint/core/sequence_parser.hpp>
#include <touchpoint/store/store.hpp>

namespace touchpoint::engine {

// Every error of a read sequence file: the parser's and the template checks' together.
// `custom_fields` are the custom prospect columns templates may use.
std::vector<core::SequenceError> sequence_errors(const core::SequenceReading& reading,
                                                 const std::set<std::string>& custom_fields);

// Stores a sequence file's text (a changed file makes a new version); nothing is stored when
// the file has any error, and every error is returned.
tl::expected<store::AppliedSequence, std::vector<core::SequenceError>> apply_sequence_text(
    store::Store& store, std::string_view text, core::Timestamp now);

}  // namespace touchpoint::engine
