#include <touchpoint/engine/sequence_files.hpp>

#include <touchpoint/core/template_check.hpp>

namespace touchpoint::engine {

std::vector<core::SequenceError> sequence_errors(const core::SequenceReading& reading,
                                                 const std::set<std::string>& custom_fields) {
  auto errors = reading.errors;
  auto template_errors = core::check_templates(reading.sequence, custom_fields);
  errors.insert(errors.end(), template_errors.begin(), template_errors.end());
  return errors;
}

tl::expected<store::AppliedSequence, std::vector<core::SequenceError>> apply_sequence_text(
    store::Store& store, std::string_view text, core::Timestamp now) {
  auto reading = core::read_sequence(text);
  auto errors = sequence_errors(reading, store.prospects().custom_fields());
  if (!errors.empty()) return tl::unexpected(std::move(errors));
  auto applied = store.sequences().apply(reading.sequence, now);
  if (!applied)
    return tl::unexpected(
        std::vector<core::SequenceError>{{"sequence", "", applied.error().message}});
  return *applied;
}

}  // namespace touchpoint::engine
