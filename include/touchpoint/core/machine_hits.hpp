#pragma once
// Telling people from machines on the tracking endpoints. Mail privacy proxies fetch every
// image of every message (so an "open" says nothing), and link scanners follow every link
// before the recipient sees it (so a "click" says nothing); their hits are still recorded,
// marked as machine hits, and left out of the open and click counts. Pure.

#include <optional>
#include <string_view>

namespace touchpoint::core {

enum class MachineKind {
  google_image_proxy,    // Gmail fetches images through ggpht.com's GoogleImageProxy
  apple_mail_privacy,    // Apple Mail Privacy Protection prefetches from Apple's network
  microsoft_safe_links,  // Defender for Office 365 Safe Links / Exchange Online Protection
  link_scanner,          // other security gateways, previews, bots and HTTP libraries
};

const char* to_string(MachineKind kind) noexcept;  // "google_image_proxy", ...

// What kind of machine made a hit, from its User-Agent and its remote address (IPv4 or IPv6,
// optionally bracketed, without a port); empty when it looks like a person's mail client
// or browser. Never fails: an unparsable address is simply not matched. Thread-safe.
std::optional<MachineKind> classify_hit(std::string_view user_agent,
                                        std::string_view remote_address);

}  // namespace touchpoint::core
