#include <touchpoint/core/tracking.hpp>

#include <regex>

namespace touchpoint::core {
namespace {

std::string base(const TrackingUrls& urls) {
  std::string b = urls.public_url;
  while (!b.empty() && b.back() == '/') b.pop_back();
  return b;
}

// HTML attribute values carry &amp; for &: the URL signed is the one the browser would follow.
std::string unescape_attribute(std::string value) {
  for (auto at = value.find("&amp;"); at != std::string::npos; at = value.find("&amp;", at + 1))
    value.replace(at, 5, "&");
  return value;
}

const std::regex kLink(R"((<a\b[^>]*?\bhref\s*=\s*)(["'])(https?://[^"']+)\2)", std::regex::icase);
const std::regex kPixel(R"(<img class="tp-open"[^>]*>)");

}  // namespace

std::string unsubscribe_url(const TrackingUrls& urls) {
  return base(urls) + "/u/" +
         sign_token({TrackingToken::Kind::unsubscribe, urls.step_run, "", 0}, urls.secret);
}

std::string add_tracking(std::string_view html, const TrackingUrls& urls) {
  std::string out;
  std::string text(html);
  auto begin = std::sregex_iterator(text.begin(), text.end(), kLink);
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    out.append(text, last, static_cast<std::size_t>(m.position(0)) - last);
    auto token =
        sign_token({TrackingToken::Kind::click, urls.step_run, unescape_attribute(m[3].str()), 0},
                   urls.secret);
    out += m[1].str() + m[2].str() + base(urls) + "/c/" + token + m[2].str();
    last = static_cast<std::size_t>(m.position(0) + m.length(0));
  }
  out.append(text, last, std::string::npos);
  out += "<img class=\"tp-open\" src=\"" + base(urls) + "/o/" +
         sign_token({TrackingToken::Kind::open, urls.step_run, "", 0}, urls.secret) +
         "\" width=\"1\" height=\"1\" alt=\"\" style=\"display:none\">";
  return out;
}

std::string without_open_pixel(std::string_view html) {
  return std::regex_replace(std::string(html), kPixel, "");
}

}  // namespace touchpoint::core
