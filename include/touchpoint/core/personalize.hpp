#pragma once
// Personalization of email templates with Mustache (DESIGN.md §5).
//
// Fields: the known prospect columns (`first_name`, `company`, ...), `sender.*` (`first_name`,
// `last_name`, `name`, `email`) and custom fields. The fallback form for empty values is
// `{{first_name|there}}` (shorthand) or standard Mustache
// `{{#first_name}}{{first_name}}{{/first_name}}{{^first_name}}there{{/first_name}}`.
// A field used outside any section of its own name, with no fallback, is required: a prospect
// whose value is empty is excluded with the cause `missing_field:<name>`.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <touchpoint/core/prospect.hpp>
#include <touchpoint/core/result.hpp>

namespace touchpoint::core {

// What a template refers to, found by reading its tags.
struct TemplateFields {
  std::set<std::string> used;      // every field named
  std::set<std::string> required;  // named with no fallback and no guarding section
};

// Reads a template's tags. Errors name the problem (unclosed tag, unbalanced section,
// delimiter change) with its 1-based line in the template.
Result<TemplateFields> analyze_template(std::string_view text);

// True when `name` is a field a template may use, given the custom fields known.
bool is_known_field(const std::string& name, const std::set<std::string>& custom_fields);

// Values for one prospect and its sender.
std::map<std::string, std::string> merge_fields(const Prospect& prospect, const User& sender);

struct Rendered {
  std::string text;
};

enum class Escape { html, none };

// The values one prospect's templates are rendered with (merge_fields' fields as Mustache
// data). Built once per step and shared by its subject, body and note, so each render only
// walks its template. Immutable once built: safe to share read-only between threads.
class TemplateValues {
 public:
  // The prospect's fields and its sender's, as merge_fields gives them. With `only`, just the
  // fields it names (a template's TemplateFields::used): renders that name no others give
  // the same text, for less work.
  TemplateValues(const Prospect& prospect, const User& sender,
                 const std::set<std::string>* only = nullptr);
  explicit TemplateValues(const std::map<std::string, std::string>& fields);
  TemplateValues(TemplateValues&&) noexcept;
  TemplateValues& operator=(TemplateValues&&) noexcept;
  ~TemplateValues();

  // True when `name` ("first_name", "sender.first_name", a custom field) has a non-blank value.
  bool has(const std::string& name) const;

 private:
  friend class CompiledTemplate;
  struct Data;
  std::unique_ptr<Data> data_;
};

// A template read once and rendered many times: what the engine keeps per step while it
// claims a batch. Not thread-safe (rendering updates the parsed template's state): one per
// thread.
class CompiledTemplate {
 public:
  // Reads the template; errors as analyze_template's, or the Mustache parser's.
  static Result<CompiledTemplate> compile(std::string_view text, Escape escape);
  CompiledTemplate(CompiledTemplate&&) noexcept;
  CompiledTemplate& operator=(CompiledTemplate&&) noexcept;
  ~CompiledTemplate();

  // As render_template.
  Result<std::string> render(const std::map<std::string, std::string>& fields);
  // The same with values built once for several templates.
  Result<std::string> render(const TemplateValues& values);

 private:
  struct Parsed;
  explicit CompiledTemplate(std::unique_ptr<Parsed> parsed);
  Result<std::string> render_data(const TemplateValues& values);
  std::unique_ptr<Parsed> parsed_;
};

// Renders `text` with `fields`. When a required field is empty, returns the cause
// "missing_field:<name>" as an Error with code conflict (the first such field in name order).
// `Escape::html` escapes values for an HTML body; `Escape::none` for a subject line.
Result<std::string> render_template(std::string_view text,
                                    const std::map<std::string, std::string>& fields,
                                    Escape escape);

}  // namespace touchpoint::core
