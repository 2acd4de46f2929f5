#include <touchpoint/core/tokens.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <charconv>

namespace touchpoint::core {
namespace {

constexpr std::size_t kMacBytes = 16;
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url(std::string_view bytes) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char ch : bytes) {
    buffer = (buffer << 8) | static_cast<unsigned char>(ch);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(buffer >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 0x3F];
  return out;
}

std::optional<std::string> from_base64url(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    const char* at = std::char_traits<char>::find(kAlphabet, 64, c);
    if (!at) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(at - kAlphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

std::string mac(std::string_view payload, std::string_view secret) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), digest.data(),
       &length);
  return std::string(reinterpret_cast<const char*>(digest.data()), kMacBytes);
}

char kind_letter(TrackingToken::Kind kind) {
  switch (kind) {
    case TrackingToken::Kind::open:
      return 'o';
    case TrackingToken::Kind::click:
      return 'c';
    case TrackingToken::Kind::unsubscribe:
      return 'u';
  }
  return '?';
}

}  // namespace

std::string sign_token(const TrackingToken& token, std::string_view secret) {
  // kind|step|expires|url — the URL last, so it may hold any character.
  std::string payload = std::string(1, kind_letter(token.kind)) + "|" +
                        std::to_string(token.step_run) + "|" + std::to_string(token.expires_at) +
                        "|" + token.url;
  return "v1." + base64url(payload) + "." + base64url(mac(payload, secret));
}

std::optional<TrackingToken> verify_token(std::string_view text, std::string_view secret,
                                          Timestamp now) {
  if (text.substr(0, 3) != "v1.") return std::nullopt;
  text.remove_prefix(3);
  auto dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto payload = from_base64url(text.substr(0, dot));
  auto signature = from_base64url(text.substr(dot + 1));
  if (!payload || !signature || signature->size() != kMacBytes) return std::nullopt;
  auto expected = mac(*payload, secret);
  if (CRYPTO_memcmp(expected.data(), signature->data(), kMacBytes) != 0) return std::nullopt;

  // The signature is ours, so the payload is well formed; still read it carefully.
  std::string_view p = *payload;
  if (p.size() < 2 || p[1] != '|') return std::nullopt;
  TrackingToken token;
  switch (p[0]) {
    case 'o':
      token.kind = TrackingToken::Kind::open;
      break;
    case 'c':
      token.kind = TrackingToken::Kind::click;
      break;
    case 'u':
      token.kind = TrackingToken::Kind::unsubscribe;
      break;
    default:
      return std::nullopt;
  }
  p.remove_prefix(2);
  auto read_number = [&](std::int64_t& out) {
    auto bar = p.find('|');
    if (bar == std::string_view::npos) return false;
    auto [end, ec] = std::from_chars(p.data(), p.data() + bar, out);
    if (ec != std::errc() || end != p.data() + bar) return false;
    p.remove_prefix(bar + 1);
    return true;
  };
  if (!read_number(token.step_run) || !read_number(token.expires_at)) return std::nullopt;
  token.url = std::string(p);
  if (token.expires_at != 0 && now.time_since_epoch().count() >= token.expires_at)
    return std::nullopt;
  return token;
}

}  // namespace touchpoint::core
