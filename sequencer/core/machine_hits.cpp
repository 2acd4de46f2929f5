#include <touchpoint/core/machine_hits.hpp>

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <string>

#include <touchpoint/core/ascii.hpp>

namespace touchpoint::core {
namespace {

// An address as 16 bytes (IPv4 as an IPv4-mapped IPv6 address), or empty.
std::optional<std::array<std::uint8_t, 16>> parse_address(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  std::string s(text);
  std::array<std::uint8_t, 16> out{};
  if (std::array<std::uint8_t, 4> v4{}; inet_pton(AF_INET, s.c_str(), v4.data()) == 1) {
    out[10] = out[11] = 0xff;
    std::copy(v4.begin(), v4.end(), out.begin() + 12);
    return out;
  }
  if (inet_pton(AF_INET6, s.c_str(), out.data()) == 1) return out;
  return std::nullopt;
}

struct Network {
  const char* address;
  int prefix;  // bits, of the IPv4 or IPv6 address as written
  MachineKind kind;
};

// Published ranges. Apple owns 17.0.0.0/8; Mail Privacy Protection's relays also use
// 2a01:b740::/32 and 2620:149::/32. Microsoft's Exchange Online Protection (which runs Safe
// Links) sends from the ranges of its SPF record (spf.protection.outlook.com).
constexpr Network kNetworks[] = {
    {"17.0.0.0", 8, MachineKind::apple_mail_privacy},
    {"2a01:b740::", 32, MachineKind::apple_mail_privacy},
    {"2620:149::", 32, MachineKind::apple_mail_privacy},
    {"40.92.0.0", 15, MachineKind::microsoft_safe_links},
    {"40.107.0.0", 16, MachineKind::microsoft_safe_links},
    {"52.100.0.0", 14, MachineKind::microsoft_safe_links},
    {"104.47.0.0", 17, MachineKind::microsoft_safe_links},
    {"2a01:111:f400::", 46, MachineKind::microsoft_safe_links},  // f400:: to f403:ffff::
};

bool in_network(const std::array<std::uint8_t, 16>& address, const Network& network) {
  auto base = parse_address(network.address);
  if (!base) return false;
  bool v4 = std::string_view(network.address).find(':') == std::string_view::npos;
  int bits = network.prefix + (v4 ? 96 : 0);
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    auto mask = static_cast<std::uint8_t>(bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff);
    if ((address[static_cast<std::size_t>(i)] & mask) !=
        ((*base)[static_cast<std::size_t>(i)] & mask))
      return false;
  }
  return true;
}

// User-Agent fragments of security gateways, link previewers, bots and HTTP libraries: no
// person reads mail with these. In lower case: matched in any case.
constexpr const char* kScannerAgents[] = {"barracuda",
                                          "mimecast",
                                          "proofpoint",
                                          "urldefense",
                                          "symantec",
                                          "messagelabs",
                                          "fireeye",
                                          "trendmicro",
                                          "sophos",
                                          "forcepoint",
                                          "zscaler",
                                          "bingpreview",
                                          "bot/",
                                          "bot;",
                                          "bot)",
                                          "crawler",
                                          "spider",
                                          "scanner",
                                          "slurp",
                                          "headlesschrome",
                                          "python-",
                                          "curl/",
                                          "wget/",
                                          "go-http-client",
                                          "java/",
                                          "okhttp",
                                          "libwww",
                                          "httpclient",
                                          "facebookexternalhit",
                                          "linkcheck",
                                          "preview"};

}  // namespace

const char* to_string(MachineKind kind) noexcept {
  switch (kind) {
    case MachineKind::google_image_proxy:
      return "google_image_proxy";
    case MachineKind::apple_mail_privacy:
      return "apple_mail_privacy";
    case MachineKind::microsoft_safe_links:
      return "microsoft_safe_links";
    case MachineKind::link_scanner:
      return "link_scanner";
  }
  return "link_scanner";
}

std::optional<MachineKind> classify_hit(std::string_view user_agent,
                                        std::string_view remote_address) {
  if (ifind(user_agent, "googleimageproxy") != std::string_view::npos)
    return MachineKind::google_image_proxy;
  if (auto address = parse_address(remote_address))
    for (const auto& network : kNetworks)
      if (in_network(*address, network)) return network.kind;
  // Apple's proxy sends a bare "Mozilla/5.0"; no real client sends so little.
  auto trimmed = user_agent;
  while (!trimmed.empty() && trimmed.back() == ' ') trimmed.remove_suffix(1);
  if (trimmed == "Mozilla/5.0") return MachineKind::apple_mail_privacy;
  if (trimmed.empty()) return MachineKind::link_scanner;
  for (const char* agent : kScannerAgents)
    if (ifind(user_agent, agent) != std::string_view::npos) return MachineKind::link_scanner;
  return std::nullopt;
}

}  // namespace touchpoint::core
