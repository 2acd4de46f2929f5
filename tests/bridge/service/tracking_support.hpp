#pragma once
// The tracking tokens of the demo's sent email, read back from the stored messages.

#include <string>

#include "service_fixture.hpp"

namespace touchpoint::testing {

struct SentLinks {
  std::string open;         // the pixel's token
  std::string click;        // the tour link's token
  std::string unsubscribe;  // the List-Unsubscribe token
  core::EnrollmentId enrollment;
};

// The token after `prefix` in `html` (up to the closing quote).
inline std::string token_after(const std::string& html, const std::string& prefix) {
  auto at = html.find(prefix);
  REQUIRE(at != std::string::npos);
  at += prefix.size();
  return html.substr(at, html.find('"', at) - at);
}

// The first email sent to `email`.
inline SentLinks first_email_links(DemoService& demo, const std::string& email) {
  for (const auto& m : demo.store->messages().list(std::nullopt)) {
    if (m.message.to_email != email || m.position != 1) continue;
    SentLinks links;
    links.open = token_after(m.message.html, "https://touch.example.com/o/");
    links.click = token_after(m.message.html, "https://touch.example.com/c/");
    links.unsubscribe =
        m.message.unsubscribe_url.substr(std::string("https://touch.example.com/u/").size());
    links.enrollment = m.enrollment;
    return links;
  }
  FAIL("no first email to " << email);
  return {};
}

}  // namespace touchpoint::testing
