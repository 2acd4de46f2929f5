#include <touchpoint/core/personalize.hpp>

#include <algorithm>
#include <cstddef>
#include <iterator>

#include <kainjow/mustache.hpp>

namespace touchpoint::core {
namespace {

constexpr std::string_view kWhitespace = " \t\r\n\f\v";

enum class TagKind { variable, unescaped_variable, section, inverted_section, section_end };

// One `{{...}}` tag of a template (comments are not kept).
struct Tag {
  TagKind kind = TagKind::variable;
  std::string name;
  std::optional<std::string> fallback;  // the `|fallback` of the shorthand form
  std::size_t begin = 0;                // offset of the opening braces
  std::size_t end = 0;                  // offset just past the closing braces
  int line = 1;
};

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kWhitespace);
  return text.substr(first, last - first + 1);
}

bool is_blank(std::string_view value) {
  return trim(value).empty();
}

tl::unexpected<Error> fail_at(int line, const std::string& problem) {
  return fail(ErrorCode::invalid_input, problem + " at line " + std::to_string(line));
}

// A field name is one or more dot-separated parts ("company", "sender.first_name").
bool is_valid_name(std::string_view name) {
  return name.front() != '.' && name.back() != '.' && name.find("..") == std::string_view::npos &&
         name.find_first_of("{}") == std::string_view::npos;
}

// The tags of `text`, in order, with sigils, fallbacks and names split out and trimmed.
Result<std::vector<Tag>> scan_tags(std::string_view text) {
  std::vector<Tag> tags;
  int line = 1;
  std::size_t counted = 0;  // newlines before this offset are already in `line`
  for (std::size_t pos = text.find("{{"); pos != std::string_view::npos;
       pos = text.find("{{", pos)) {
    line += static_cast<int>(std::count(text.data() + counted, text.data() + pos, '\n'));
    counted = pos;

    const bool triple = text.substr(pos).starts_with("{{{");
    const std::string_view closing = triple ? "}}}" : "}}";
    const std::size_t body_begin = pos + (triple ? 3 : 2);
    const std::size_t close_at = text.find(closing, body_begin);
    if (close_at == std::string_view::npos) return fail_at(line, "unclosed tag");
    std::string_view body = trim(text.substr(body_begin, close_at - body_begin));

    Tag tag;
    tag.begin = pos;
    tag.end = close_at + closing.size();
    tag.line = line;
    pos = tag.end;

    // The sigil says what the tag is.
    const char sigil = triple || body.empty() ? '\0' : body.front();
    switch (sigil) {
      case '!':
        continue;  // a comment
      case '>':
        return fail_at(line, "partials ({{>name}}) are not supported");
      case '=':
        return fail_at(line, "delimiter changes ({{=...=}}) are not supported");
      case '#':
        tag.kind = TagKind::section;
        break;
      case '^':
        tag.kind = TagKind::inverted_section;
        break;
      case '/':
        tag.kind = TagKind::section_end;
        break;
      case '&':
        tag.kind = TagKind::unescaped_variable;
        break;
      default:
        tag.kind = triple ? TagKind::unescaped_variable : TagKind::variable;
        break;
    }
    if (sigil == '#' || sigil == '^' || sigil == '/' || sigil == '&') body.remove_prefix(1);
    // "{{" inside a tag means the tag before it was never closed.
    if (body.find("{{") != std::string_view::npos) return fail_at(line, "unclosed tag");

    // The shorthand fallback: `{{name|fallback}}`.
    if (const auto bar = body.find('|'); bar != std::string_view::npos) {
      if (tag.kind != TagKind::variable && tag.kind != TagKind::unescaped_variable) {
        return fail_at(line, "a fallback is only allowed in a variable tag");
      }
      const std::string_view fallback = trim(body.substr(bar + 1));
      if (fallback.find_first_of("{}") != std::string_view::npos) {
        return fail_at(line, "a fallback may not contain braces");
      }
      tag.fallback = std::string(fallback);
      body = body.substr(0, bar);
    }

    body = trim(body);
    if (body.empty()) return fail_at(line, "empty name in tag");
    if (!is_valid_name(body))
      return fail_at(line, "invalid field name '" + std::string(body) + "'");
    tag.name = std::string(body);
    tags.push_back(std::move(tag));
  }
  return tags;
}

// Checks that sections balance and sorts the fields named into used and required.
Result<TemplateFields> analyze_tags(const std::vector<Tag>& tags) {
  TemplateFields fields;
  std::vector<const Tag*> open;  // the sections enclosing the current tag, innermost last
  for (const Tag& tag : tags) {
    switch (tag.kind) {
      case TagKind::section:
      case TagKind::inverted_section:
        fields.used.insert(tag.name);
        open.push_back(&tag);
        break;
      case TagKind::section_end:
        if (open.empty()) return fail_at(tag.line, "{{/" + tag.name + "}} closes no open section");
        if (open.back()->name != tag.name) {
          return fail_at(tag.line, "section '" + open.back()->name + "' (opened at line " +
                                       std::to_string(open.back()->line) + ") closed by {{/" +
                                       tag.name + "}}");
        }
        open.pop_back();
        break;
      case TagKind::variable:
      case TagKind::unescaped_variable: {
        fields.used.insert(tag.name);
        const bool guarded = std::any_of(open.begin(), open.end(), [&](const Tag* section) {
          return section->name == tag.name;
        });
        if (!tag.fallback && !guarded) fields.required.insert(tag.name);
        break;
      }
    }
  }
  if (!open.empty())
    return fail_at(open.back()->line, "section '" + open.back()->name + "' is never closed");
  return fields;
}

// `text` with every shorthand `{{name|fallback}}` written out in standard Mustache.
std::string expand_fallbacks(std::string_view text, const std::vector<Tag>& tags) {
  std::string out;
  std::size_t copied = 0;
  for (const Tag& tag : tags) {
    if (!tag.fallback) continue;
    out.append(text.substr(copied, tag.begin - copied));
    const std::string& name = tag.name;
    const std::string value =
        tag.kind == TagKind::unescaped_variable ? "{{{" + name + "}}}" : "{{" + name + "}}";
    out += "{{#" + name + "}}" + value + "{{/" + name + "}}";
    out += "{{^" + name + "}}" + *tag.fallback + "{{/" + name + "}}";
    copied = tag.end;
  }
  out.append(text.substr(copied));
  return out;
}

// The fields as Mustache data. Blank values are left out: kainjow treats every string, even
// "", as true, and an absent value is what makes `{{^name}}` show its fallback. Dotted names
// become nested objects ("sender.first_name" -> sender: {first_name}), which is how kainjow
// resolves them; a nested object replaces a plain value of the same name.
kainjow::mustache::data to_mustache_data(const std::map<std::string, std::string>& fields) {
  kainjow::mustache::data out{kainjow::mustache::data::type::object};
  std::map<std::string, std::map<std::string, std::string>> nested;
  for (const auto& [name, value] : fields) {
    if (is_blank(value)) continue;
    const auto dot = name.find('.');
    if (dot == std::string::npos) {
      out.set(name, kainjow::mustache::data{value});
    } else {
      nested[name.substr(0, dot)].emplace(name.substr(dot + 1), value);
    }
  }
  for (const auto& [name, children] : nested) out.set(name, to_mustache_data(children));
  return out;
}

}  // namespace

Result<TemplateFields> analyze_template(std::string_view text) {
  auto tags = scan_tags(text);
  if (!tags) return tl::make_unexpected(tags.error());
  return analyze_tags(*tags);
}

bool is_known_field(const std::string& name, const std::set<std::string>& custom_fields) {
  static const std::set<std::string> kSenderFields = {"sender.first_name", "sender.last_name",
                                                      "sender.name", "sender.email"};
  const bool is_prospect_column =
      std::find(std::begin(kKnownProspectColumns), std::end(kKnownProspectColumns), name) !=
      std::end(kKnownProspectColumns);
  return is_prospect_column || kSenderFields.contains(name) || custom_fields.contains(name);
}

std::map<std::string, std::string> merge_fields(const Prospect& prospect, const User& sender) {
  const auto space = sender.name.find(' ');
  std::map<std::string, std::string> fields = {
      {"email", prospect.email},
      {"first_name", prospect.first_name},
      {"last_name", prospect.last_name},
      {"company", prospect.company},
      {"title", prospect.title},
      {"phone", prospect.phone},
      {"timezone", prospect.timezone},
      {"owner", prospect.owner_email},
      {"salesforce_id", prospect.salesforce_id},
      {"sender.first_name", first_name_of(sender.name)},
      {"sender.last_name", space == std::string::npos ? "" : sender.name.substr(space + 1)},
      {"sender.name", sender.name},
      {"sender.email", sender.email},
  };
  // Custom columns never replace a known field of the same name.
  for (const auto& [name, value] : prospect.custom) fields.emplace(name, value);
  return fields;
}

struct TemplateValues::Data {
  kainjow::mustache::data data{kainjow::mustache::data::type::object};
};

namespace {

// The names merge_fields sets itself, which a custom column never replaces.
bool is_merged_name(const std::string& name) {
  return std::find(std::begin(kKnownProspectColumns), std::end(kKnownProspectColumns), name) !=
             std::end(kKnownProspectColumns) ||
         name.starts_with("sender.");
}

void put(kainjow::mustache::data& object, const std::string& name, const std::string& value) {
  if (!is_blank(value)) object.set(name, kainjow::mustache::data{value});
}

}  // namespace

TemplateValues::TemplateValues(const Prospect& prospect, const User& sender,
                               const std::set<std::string>* only)
    : data_(std::make_unique<Data>()) {
  // A custom column with a dot in its name nests like sender.*: the general path handles it.
  const bool dotted_custom =
      std::any_of(prospect.custom.begin(), prospect.custom.end(),
                  [](const auto& c) { return c.first.find('.') != std::string::npos; });
  if (dotted_custom) {
    data_->data = to_mustache_data(merge_fields(prospect, sender));
    return;
  }
  // The same data as to_mustache_data(merge_fields(...)), without the map in between, and
  // with `only` the fields it names.
  auto& out = data_->data;
  const auto wanted = [only](const std::string& name) { return !only || only->contains(name); };
  const auto put_wanted = [&](const std::string& name, const std::string& value) {
    if (wanted(name)) put(out, name, value);
  };
  put_wanted("email", prospect.email);
  put_wanted("first_name", prospect.first_name);
  put_wanted("last_name", prospect.last_name);
  put_wanted("company", prospect.company);
  put_wanted("title", prospect.title);
  put_wanted("phone", prospect.phone);
  put_wanted("timezone", prospect.timezone);
  put_wanted("owner", prospect.owner_email);
  put_wanted("salesforce_id", prospect.salesforce_id);
  for (const auto& [name, value] : prospect.custom)
    if (!is_merged_name(name)) put_wanted(name, value);
  const bool sender_named =
      !only || std::any_of(only->begin(), only->end(), [](const std::string& name) {
        return name == "sender" || name.starts_with("sender.");
      });
  if (!sender_named) return;
  // The nested sender object replaces a custom column named "sender", as in to_mustache_data.
  kainjow::mustache::data from{kainjow::mustache::data::type::object};
  const auto space = sender.name.find(' ');
  put(from, "first_name", first_name_of(sender.name));
  put(from, "last_name", space == std::string::npos ? "" : sender.name.substr(space + 1));
  put(from, "name", sender.name);
  put(from, "email", sender.email);
  out.set("sender", from);
}

TemplateValues::TemplateValues(const std::map<std::string, std::string>& fields)
    : data_(std::make_unique<Data>(Data{to_mustache_data(fields)})) {}

TemplateValues::TemplateValues(TemplateValues&&) noexcept = default;
TemplateValues& TemplateValues::operator=(TemplateValues&&) noexcept = default;
TemplateValues::~TemplateValues() = default;

bool TemplateValues::has(const std::string& name) const {
  // Blank values were left out, so a value found is a non-blank one.
  const kainjow::mustache::data* at = &data_->data;
  for (std::size_t start = 0; at;) {
    const auto dot = name.find('.', start);
    at = at->get(name.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return at && at->is_string();
}

struct CompiledTemplate::Parsed {
  std::set<std::string> required;
  kainjow::mustache::mustache mustache;
};

CompiledTemplate::CompiledTemplate(std::unique_ptr<Parsed> parsed) : parsed_(std::move(parsed)) {}
CompiledTemplate::CompiledTemplate(CompiledTemplate&&) noexcept = default;
CompiledTemplate& CompiledTemplate::operator=(CompiledTemplate&&) noexcept = default;
CompiledTemplate::~CompiledTemplate() = default;

Result<CompiledTemplate> CompiledTemplate::compile(std::string_view text, Escape escape) {
  auto tags = scan_tags(text);
  if (!tags) return tl::make_unexpected(tags.error());
  auto named = analyze_tags(*tags);
  if (!named) return tl::make_unexpected(named.error());
  auto parsed = std::make_unique<Parsed>(Parsed{
      std::move(named->required), kainjow::mustache::mustache{expand_fallbacks(text, *tags)}});
  if (!parsed->mustache.is_valid())
    return fail(ErrorCode::invalid_input, parsed->mustache.error_message());
  if (escape == Escape::none)
    parsed->mustache.set_custom_escape([](const std::string& s) { return s; });
  return CompiledTemplate(std::move(parsed));
}

Result<std::string> CompiledTemplate::render(const std::map<std::string, std::string>& fields) {
  // Never send a broken greeting: every required field needs a value.
  for (const auto& name : parsed_->required) {
    const auto it = fields.find(name);
    if (it == fields.end() || is_blank(it->second)) {
      return fail(ErrorCode::conflict, "missing_field:" + name);
    }
  }
  return render_data(TemplateValues(fields));
}

Result<std::string> CompiledTemplate::render(const TemplateValues& values) {
  // Never send a broken greeting: every required field needs a value.
  for (const auto& name : parsed_->required) {
    if (!values.has(name)) return fail(ErrorCode::conflict, "missing_field:" + name);
  }
  return render_data(values);
}

Result<std::string> CompiledTemplate::render_data(const TemplateValues& values) {
  // Straight into one string: kainjow's own render(data) goes through an ostringstream.
  std::string rendered;
  parsed_->mustache.render(values.data_->data,
                           [&rendered](const std::string& part) { rendered += part; });
  if (!parsed_->mustache.is_valid())
    return fail(ErrorCode::invalid_input, parsed_->mustache.error_message());
  return rendered;
}

Result<std::string> render_template(std::string_view text,
                                    const std::map<std::string, std::string>& fields,
                                    Escape escape) {
  auto compiled = CompiledTemplate::compile(text, escape);
  if (!compiled) return tl::make_unexpected(compiled.error());
  return compiled->render(fields);
}

}  // namespace touchpoint::core
