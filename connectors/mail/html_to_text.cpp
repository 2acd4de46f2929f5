#include <touchpoint/mail/mime.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

#include <touchpoint/core/ascii.hpp>

namespace touchpoint::mail {
namespace {

using core::ascii_lower;
using core::equals_lower;
using core::ifind;
using core::is_ascii_alpha;
using core::is_ascii_digit;

// HTML's ASCII whitespace (no vertical tab).
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

struct NamedEntity {
  std::string_view name;
  std::uint32_t code_point;
};

// The entities mail editors emit; &nbsp; becomes a plain space in text.
constexpr std::array<NamedEntity, 19> kNamedEntities{{
    {"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},     {"apos", '\''},
    {"nbsp", ' '},     {"copy", 0xA9},    {"reg", 0xAE},     {"trade", 0x2122}, {"hellip", 0x2026},
    {"mdash", 0x2014}, {"ndash", 0x2013}, {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ldquo", 0x201C},
    {"rdquo", 0x201D}, {"euro", 0x20AC},  {"middot", 0xB7},  {"bull", 0x2022},
}};

// Decodes the entity at s[pos] == '&' into `out`; returns the characters consumed, or 0 when
// this is no entity (the '&' is then literal text).
std::size_t decode_entity(std::string_view s, std::size_t pos, std::string& out) {
  std::size_t i = pos + 1;
  if (i < s.size() && s[i] == '#') {
    ++i;
    const bool hex = i < s.size() && (s[i] == 'x' || s[i] == 'X');
    if (hex) ++i;
    const std::size_t digits_start = i;
    std::uint32_t cp = 0;
    while (i < s.size() && i - digits_start < 8) {
      const char c = s[i];
      std::uint32_t d = 0;
      if (is_ascii_digit(c)) {
        d = static_cast<std::uint32_t>(c - '0');
      } else if (hex && ascii_lower(c) >= 'a' && ascii_lower(c) <= 'f') {
        d = static_cast<std::uint32_t>(ascii_lower(c) - 'a' + 10);
      } else {
        break;
      }
      cp = cp * (hex ? 16u : 10u) + d;
      ++i;
    }
    if (i == digits_start) return 0;
    if (i < s.size() && s[i] == ';') ++i;
    append_utf8(out, cp);
    return i - pos;
  }
  const std::size_t name_start = i;
  while (i < s.size() && i - name_start < 8 && is_ascii_alpha(s[i])) ++i;
  if (i >= s.size() || s[i] != ';') return 0;
  const std::string_view name = s.substr(name_start, i - name_start);
  for (const auto& entity : kNamedEntities) {
    if (entity.name == name) {
      append_utf8(out, entity.code_point);
      return i + 1 - pos;
    }
  }
  return 0;
}

std::string decode_entities(std::string_view s) {
  if (s.find('&') == std::string_view::npos) return std::string(s);
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '&') {
      if (const std::size_t used = decode_entity(s, i, out)) {
        i += used;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

struct Tag {
  std::string name;  // lower case
  bool closing = false;
  std::optional<std::string> href;  // entity-decoded
  std::size_t end = 0;              // index just past '>'
};

// Parses the tag at html[pos] == '<'. Empty when it is not a tag ("a < b", or no '>').
std::optional<Tag> parse_tag(std::string_view html, std::size_t pos) {
  Tag tag;
  std::size_t i = pos + 1;
  if (i < html.size() && html[i] == '/') {
    tag.closing = true;
    ++i;
  }
  if (i >= html.size() || !is_ascii_alpha(html[i])) return std::nullopt;
  while (i < html.size() && (is_ascii_alpha(html[i]) || is_ascii_digit(html[i])))
    tag.name += ascii_lower(html[i++]);

  // Attributes, honouring quotes so a '>' inside a value does not end the tag.
  while (i < html.size()) {
    while (i < html.size() && (is_space(html[i]) || html[i] == '/')) ++i;
    if (i >= html.size()) break;
    if (html[i] == '>') {
      tag.end = i + 1;
      return tag;
    }
    const std::size_t attr_start = i;
    while (i < html.size() && !is_space(html[i]) && html[i] != '=' && html[i] != '>' &&
           html[i] != '/') {
      ++i;
    }
    const std::string_view attr = html.substr(attr_start, i - attr_start);
    while (i < html.size() && is_space(html[i])) ++i;
    if (i < html.size() && html[i] == '=') {
      ++i;
      while (i < html.size() && is_space(html[i])) ++i;
      std::string_view value;
      if (i < html.size() && (html[i] == '"' || html[i] == '\'')) {
        const char quote = html[i++];
        const std::size_t close = html.find(quote, i);
        if (close == std::string_view::npos) return std::nullopt;
        value = html.substr(i, close - i);
        i = close + 1;
      } else {
        const std::size_t value_start = i;
        while (i < html.size() && !is_space(html[i]) && html[i] != '>') ++i;
        value = html.substr(value_start, i - value_start);
      }
      if (equals_lower(attr, "href")) tag.href = decode_entities(value);
    } else if (attr.empty() && i < html.size() && html[i] != '>') {
      ++i;  // a stray character: skip it rather than loop
    }
  }
  return std::nullopt;
}

bool one_of(std::string_view name, std::initializer_list<std::string_view> names) {
  for (auto n : names) {
    if (n == name) return true;
  }
  return false;
}

bool is_heading(std::string_view name) {
  return name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6';
}

// Block elements: their content starts and ends on a line of its own.
bool is_block(std::string_view name) {
  return is_heading(name) ||
         one_of(name, {"p", "div", "li", "tr", "ul", "ol", "table", "blockquote", "pre", "section",
                       "article", "header", "footer"});
}

// Elements whose content is never shown.
bool is_hidden(std::string_view name) {
  return one_of(name, {"style", "script", "head", "title", "template"});
}

class TextWriter {
 public:
  // Appends `s` with each run of white space collapsed to one space (none at a line's start).
  void text(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
      if (is_space(s[i])) {
        if (!out_.empty() && out_.back() != ' ' && out_.back() != '\n') out_ += ' ';
        while (i < s.size() && is_space(s[i])) ++i;
        continue;
      }
      const std::size_t word = i;
      while (i < s.size() && !is_space(s[i])) ++i;
      out_.append(s.substr(word, i - word));
    }
  }
  void literal(std::string_view s) { out_ += s; }
  void line_break() {
    trim_trailing_spaces();
    out_ += '\n';
  }
  void ensure_line_start() {
    trim_trailing_spaces();
    if (!out_.empty() && out_.back() != '\n') out_ += '\n';
  }
  void space() { text(" "); }
  std::size_t size() const { return out_.size(); }
  std::string_view since(std::size_t pos) const { return std::string_view(out_).substr(pos); }

  // Lines trimmed, runs of three or more line breaks cut to two, the whole trimmed.
  std::string finish() const {
    std::string result;
    std::size_t newlines = 0;
    std::size_t line_start = 0;
    while (line_start <= out_.size()) {
      std::size_t line_end = out_.find('\n', line_start);
      if (line_end == std::string::npos) line_end = out_.size();
      std::string_view line = std::string_view(out_).substr(line_start, line_end - line_start);
      while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
      while (!line.empty() && is_space(line.back())) line.remove_suffix(1);
      if (line.empty()) {
        ++newlines;
      } else {
        if (!result.empty()) result.append(std::min<std::size_t>(newlines + 1, 2), '\n');
        result += line;
        newlines = 0;
      }
      line_start = line_end + 1;
    }
    return result;
  }

 private:
  void trim_trailing_spaces() {
    while (!out_.empty() && out_.back() == ' ') out_.pop_back();
  }
  std::string out_;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string html_to_text(const std::string& html_string) {
  const std::string_view html = html_string;
  TextWriter out;
  std::optional<std::string> link_href;  // the open <a>'s href
  std::size_t link_start = 0;            // where its text starts in the output

  const auto close_link = [&] {
    if (!link_href) return;
    const std::string href = std::move(*link_href);
    link_href.reset();
    if (href.empty() || href.front() == '#') return;
    const std::string_view label = trim(out.since(link_start));
    if (label.empty()) {
      out.text(href);
    } else if (label != href && "mailto:" + std::string(label) != href) {
      out.literal(" (" + href + ")");
    }
  };

  std::size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '&') {
      std::string decoded;
      if (const std::size_t used = decode_entity(html, i, decoded)) {
        out.literal(decoded);
        i += used;
        continue;
      }
      out.literal("&");
      ++i;
      continue;
    }
    if (c != '<') {
      // A loop, not find_first_of("<&"): libstdc++ runs that as one memchr over the set per
      // character, which was a tenth of the send threads' time.
      std::size_t stop = i;
      while (stop < html.size() && html[stop] != '<' && html[stop] != '&') ++stop;
      out.text(html.substr(i, stop - i));
      i = stop;
      continue;
    }

    // Comments, doctype and processing instructions are dropped whole.
    if (html.substr(i, 4) == "<!--") {
      const std::size_t end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    if (i + 1 < html.size() && (html[i + 1] == '!' || html[i + 1] == '?')) {
      const std::size_t end = html.find('>', i);
      i = end == std::string_view::npos ? html.size() : end + 1;
      continue;
    }

    const std::optional<Tag> tag = parse_tag(html, i);
    if (!tag) {
      out.text("<");
      ++i;
      continue;
    }
    i = tag->end;
    const std::string& name = tag->name;

    if (!tag->closing && is_hidden(name)) {
      const std::size_t close = ifind(html, "</" + name, i);
      const std::size_t end = close == std::string_view::npos ? close : html.find('>', close);
      i = end == std::string_view::npos ? html.size() : end + 1;
      continue;
    }
    if (name == "br") {
      out.line_break();
    } else if (name == "hr") {
      out.ensure_line_start();
    } else if (name == "a") {
      close_link();  // an unclosed <a> ends at the next one
      if (!tag->closing && tag->href) {
        link_href = tag->href;
        link_start = out.size();
      }
    } else if (name == "td" || name == "th") {
      if (tag->closing) out.space();
    } else if (is_block(name)) {
      // Opening or closing, a block ends the current line; nested blocks add no blank lines.
      out.ensure_line_start();
    }
  }
  close_link();
  return out.finish();
}

}  // namespace touchpoint::mail
