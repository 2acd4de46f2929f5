#pragma once
// Open and click tracking in an email's HTML (DESIGN.md §6): links rewritten to the click
// redirect and an open pixel, all on signed tokens under the public URL.

#include <string>
#include <string_view>

#include <touchpoint/core/tokens.hpp>

namespace touchpoint::core {

struct TrackingUrls {
  std::string public_url;  // "https://touch.example.com", no trailing slash needed
  std::string secret;
  std::int64_t step_run = 0;
};

// The unsubscribe page and RFC 8058 one-click target: <public_url>/u/<token>.
std::string unsubscribe_url(const TrackingUrls& urls);

// Rewrites every http(s) link (<a href="...">) to <public_url>/c/<token> (the token carries
// the original URL, so the redirect goes nowhere else) and appends an open pixel
// <img class="tp-open" src="<public_url>/o/<token>">. Other links (mailto:, #anchors) stay.
std::string add_tracking(std::string_view html, const TrackingUrls& urls);

// The HTML without the open pixel: what a later step quotes, so opening the reply does not
// count as opening the earlier email again.
std::string without_open_pixel(std::string_view html);

}  // namespace touchpoint::core
