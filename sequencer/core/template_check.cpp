#include <touchpoint/core/template_check.hpp>

#include <touchpoint/core/personalize.hpp>

namespace touchpoint::core {

std::vector<SequenceError> check_templates(const Sequence& sequence,
                                           const std::set<std::string>& custom_fields) {
  std::vector<SequenceError> errors;
  for (const auto& step : sequence.steps) {
    const std::string where = "step " + std::to_string(step.position);
    auto check = [&](const std::string& text, const char* field) {
      if (text.empty()) return;
      auto fields = analyze_template(text);
      if (!fields) {
        errors.push_back({where, field, fields.error().message});
        return;
      }
      for (const auto& name : fields->used)
        if (!is_known_field(name, custom_fields))
          errors.push_back({where, field,
                            "unknown field '" + name +
                                "' (not a prospect column, a sender field or an imported custom "
                                "column)"});
    };
    check(step.message.subject, "template.subject");
    check(step.message.body, "template.body");
    check(step.note, "note");
  }
  return errors;
}

}  // namespace touchpoint::core
