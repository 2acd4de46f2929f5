#include <touchpoint/core/tracking.hpp>

#include <optional>

#include <touchpoint/core/ascii.hpp>

namespace touchpoint::core {
namespace {

std::string base(const TrackingUrls& urls) {
  std::string b = urls.public_url;
  while (!b.empty() && b.back() == '/') b.pop_back();
  return b;
}

// HTML attribute values carry &amp; for &: the URL signed is the one the browser would follow.
std::string unescape_attribute(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t at = 0; at < value.size();) {
    const std::size_t amp = value.find("&amp;", at);
    out.append(value.substr(at, amp - at));
    if (amp == std::string_view::npos) break;
    out += '&';
    at = amp + 5;
  }
  return out;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::size_t skip_spaces(std::string_view s, std::size_t at) {
  while (at < s.size() && is_space(s[at])) ++at;
  return at;
}

// The quoted http(s) URL of an href at `at` (`href = "https://…"`, any case, spaces around the
// "="), or nothing: [url, end) is the URL without its quotes, `end` is its closing quote.
struct Href {
  std::size_t url = 0;
  std::size_t end = 0;
};

std::optional<Href> http_href_at(std::string_view html, std::size_t at) {
  if (!starts_with_lower(html.substr(at), "href")) return std::nullopt;
  std::size_t i = skip_spaces(html, at + 4);
  if (i >= html.size() || html[i] != '=') return std::nullopt;
  i = skip_spaces(html, i + 1);
  if (i >= html.size() || (html[i] != '"' && html[i] != '\'')) return std::nullopt;
  const char quote = html[i];
  const std::size_t url = i + 1;
  std::size_t rest = url;
  if (starts_with_lower(html.substr(rest), "https://"))
    rest += 8;
  else if (starts_with_lower(html.substr(rest), "http://"))
    rest += 7;
  else
    return std::nullopt;
  // The URL runs to the first quote of either kind, which must close it; it is not empty.
  const std::size_t end = html.find_first_of("\"'", rest);
  if (end == std::string_view::npos || end == rest || html[end] != quote) return std::nullopt;
  return Href{url, end};
}

// The first http(s) href in the <a> tag opening at `at` (its "<"), up to the tag's ">", or
// nothing. "href" must start a word: not "xhref" (though "data-href" does: "-" ends a word).
std::optional<Href> link_at(std::string_view html, std::size_t at) {
  if (at + 1 >= html.size() || ascii_lower(html[at + 1]) != 'a') return std::nullopt;
  std::size_t i = at + 2;
  if (i < html.size() && is_word_char(html[i])) return std::nullopt;  // <abbr>, <area>
  for (; i < html.size() && html[i] != '>'; ++i)
    if (!is_word_char(html[i - 1]))
      if (auto href = http_href_at(html, i)) return href;
  return std::nullopt;
}

}  // namespace

std::string unsubscribe_url(const TrackingUrls& urls) {
  return base(urls) + "/u/" +
         sign_token({TrackingToken::Kind::unsubscribe, urls.step_run, "", 0}, urls.secret);
}

std::string add_tracking(std::string_view html, const TrackingUrls& urls) {
  const std::string prefix = base(urls);
  std::string out;
  out.reserve(html.size() + 512);
  std::size_t copied = 0;
  for (std::size_t at = html.find('<'); at != std::string_view::npos; at = html.find('<', at + 1)) {
    const auto href = link_at(html, at);
    if (!href) continue;
    out.append(html.substr(copied, href->url - copied));
    out += prefix;
    out += "/c/";
    out += sign_token({TrackingToken::Kind::click, urls.step_run,
                       unescape_attribute(html.substr(href->url, href->end - href->url)), 0},
                      urls.secret);
    copied = href->end;
    at = href->end;
  }
  out.append(html.substr(copied));
  out += "<img class=\"tp-open\" src=\"";
  out += prefix;
  out += "/o/";
  out += sign_token({TrackingToken::Kind::open, urls.step_run, "", 0}, urls.secret);
  out += "\" width=\"1\" height=\"1\" alt=\"\" style=\"display:none\">";
  return out;
}

std::string without_open_pixel(std::string_view html) {
  static constexpr std::string_view kPixel = "<img class=\"tp-open\"";
  std::string out;
  out.reserve(html.size());
  std::size_t copied = 0;
  for (std::size_t at = html.find(kPixel); at != std::string_view::npos;
       at = html.find(kPixel, copied)) {
    const std::size_t end = html.find('>', at + kPixel.size());
    if (end == std::string_view::npos) break;  // not a whole tag: left as it is
    out.append(html.substr(copied, at - copied));
    copied = end + 1;
  }
  out.append(html.substr(copied));
  return out;
}

}  // namespace touchpoint::core
