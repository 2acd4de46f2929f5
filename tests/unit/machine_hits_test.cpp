// Which tracking hits come from machines (privacy proxies, link scanners) rather than people.
#include <catch2/catch.hpp>

#include <touchpoint/core/machine_hits.hpp>

using touchpoint::core::classify_hit;
using touchpoint::core::MachineKind;
using touchpoint::core::to_string;

namespace {

constexpr const char* kGmailProxy =
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)";
constexpr const char* kAppleMail =
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)";
constexpr const char* kChrome =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36";
constexpr const char* kOutlook =
    "Mozilla/4.0 (compatible; ms-office; MSOffice 16) Microsoft Outlook 16.0.17126";

std::string kind_of(const char* agent, const char* address) {
  auto kind = classify_hit(agent, address);
  return kind ? to_string(*kind) : "person";
}

}  // namespace

TEST_CASE("tracking hits are told apart: people, privacy proxies and link scanners", "[unit]") {
  struct Case {
    const char* agent;
    const char* address;
    const char* expected;
  };
  const Case cases[] = {
      // People's clients, from ordinary addresses.
      {kChrome, "198.51.100.7", "person"},
      {kAppleMail, "203.0.113.9", "person"},
      {kOutlook, "2001:db8::1", "person"},
      {"Mozilla/5.0 (Linux; Android 13; CUBOT X30) AppleWebKit/537.36", "192.0.2.1", "person"},
      // Gmail's image proxy, wherever it comes from.
      {kGmailProxy, "66.249.84.1", "google_image_proxy"},
      {kGmailProxy, "", "google_image_proxy"},
      // Apple Mail Privacy Protection: Apple's network, or its bare user agent.
      {kAppleMail, "17.58.101.4", "apple_mail_privacy"},
      {kAppleMail, "[2a01:b740:a42::1]", "apple_mail_privacy"},
      {kAppleMail, "::ffff:17.1.2.3", "apple_mail_privacy"},
      {"Mozilla/5.0", "203.0.113.9", "apple_mail_privacy"},
      // Microsoft Safe Links prefetching from Exchange Online Protection.
      {kChrome, "40.93.29.12", "microsoft_safe_links"},
      {kChrome, "40.107.22.3", "microsoft_safe_links"},
      {kChrome, "104.47.18.100", "microsoft_safe_links"},
      {kChrome, "2a01:111:f403:c200::1", "microsoft_safe_links"},
      // Other scanners, previewers and scripts.
      {"Mozilla/5.0 (compatible; Barracuda Sentinel)", "198.51.100.7", "link_scanner"},
      {"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "198.51.100.7",
       "link_scanner"},
      {"python-requests/2.31.0", "198.51.100.7", "link_scanner"},
      {"curl/7.88.1", "198.51.100.7", "link_scanner"},
      {"", "198.51.100.7", "link_scanner"},
      // Near misses are people: an address next to Apple's, a malformed address.
      {kChrome, "18.0.0.1", "person"},
      {kChrome, "16.255.255.255", "person"},
      {kChrome, "40.92.0.0/15", "person"},
      {kChrome, "40.94.0.1", "person"},
      {kChrome, "2a01:111:f404::1", "person"},
      {kChrome, "not an address", "person"},
  };
  for (const auto& c : cases) {
    INFO(c.agent << " from " << c.address);
    CHECK(kind_of(c.agent, c.address) == c.expected);
  }
}
