#pragma once
// The template half of validating a sequence (DESIGN.md §5): every template must parse, and
// every field it names must be known when the sequence is applied.

#include <set>
#include <string>
#include <vector>

#include <touchpoint/core/sequence.hpp>
#include <touchpoint/core/sequence_parser.hpp>

namespace touchpoint::core {

// Errors name the step and the field ("step 1: template.body: unknown field 'no_such_field'").
// `custom_fields` are the custom columns known (imported prospects, or a CSV's header).
std::vector<SequenceError> check_templates(const Sequence& sequence,
                                           const std::set<std::string>& custom_fields);

}  // namespace touchpoint::core
