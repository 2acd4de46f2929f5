#include <touchpoint/core/threading.hpp>

#include <touchpoint/core/ascii.hpp>
#include <touchpoint/core/header_token.hpp>

namespace touchpoint::core {
namespace {

// Length of one reply prefix at the start of `s` ("Re:", "RE[2]:", "SV:", ...), or 0.
std::size_t reply_prefix_length(std::string_view s) {
  static constexpr std::string_view kPrefixes[] = {"re", "sv", "aw", "antw", "vs", "r"};
  for (auto prefix : kPrefixes) {
    if (!starts_with_lower(s, prefix)) continue;
    std::size_t pos = prefix.size();
    if (pos < s.size() && s[pos] == '[') {  // "Re[2]:"
      auto close = s.find(']', pos);
      if (close == std::string_view::npos) continue;
      pos = close + 1;
    }
    if (pos < s.size() && s[pos] == ':') return pos + 1;
  }
  return 0;
}

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

std::string escape_html(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string reply_subject(std::string_view subject) {
  auto rest = trim_left(subject);
  while (auto n = reply_prefix_length(rest)) rest = trim_left(rest.substr(n));
  return "Re: " + std::string(rest);
}

std::string thread_topic(std::string_view subject) {
  return reply_subject(subject).substr(4);
}

std::vector<std::string> reply_references(const std::vector<std::string>& parent_references,
                                          const std::string& parent_message_id) {
  if (parent_message_id.empty()) return {};
  auto refs = parent_references;
  refs.push_back(parent_message_id);
  return refs;
}

std::string quote_below(const std::string& reply_html, const std::string& parent_html,
                        Timestamp parent_date, const date::time_zone& zone,
                        const std::string& parent_from_name, const std::string& parent_from_email) {
  auto local = to_local(parent_date, zone);
  auto day = date::floor<date::days>(local);
  std::string when = format_date(date::year_month_day{day}) + " " +
                     format_hh_mm(date::floor<std::chrono::minutes>(local - day));
  std::string who = parent_from_name.empty() ? escape_html(parent_from_email)
                                             : escape_html(parent_from_name) + " &lt;" +
                                                   escape_html(parent_from_email) + "&gt;";
  return reply_html + "\n<div class=\"tp-quote\"><div>On " + when + ", " + who +
         " wrote:</div>\n<blockquote style=\"margin:0 0 0 .8ex;border-left:1px solid #ccc;"
         "padding-left:1ex\">\n" +
         parent_html + "\n</blockquote></div>";
}

Result<std::string> normalize_message_id(std::string_view text, std::string_view field) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  if (text.size() >= 2 && text.front() == '<' && text.back() == '>')
    text = text.substr(1, text.size() - 2);
  const std::string name(field);
  if (text.empty()) return fail(ErrorCode::invalid_input, name + ": is empty");
  if (!is_plain_token(text))
    return fail(
        ErrorCode::invalid_input,
        name + ": '" + std::string(text) + "' holds a space, control character or angle bracket");
  return std::string(text);
}

}  // namespace touchpoint::core
