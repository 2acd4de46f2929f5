#include <touchpoint/core/tokens.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <charconv>
#include <memory>
#include <stdexcept>
#include <string>

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

// HMAC-SHA256, from a context each thread keeps keyed with the last secret it used. (OpenSSL 3's
// one-shot HMAC() looks the algorithm up in its providers on every call: a quarter of a
// tracking hit's time went there.)
std::string mac(std::string_view payload, std::string_view secret) {
  struct FreeMac {
    void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
    void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
  };
  struct Keyed {
    std::string secret;
    std::unique_ptr<EVP_MAC_CTX, FreeMac> ctx;
  };
  static const std::unique_ptr<EVP_MAC, FreeMac> hmac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  thread_local Keyed keyed;
  const auto* key = reinterpret_cast<const unsigned char*>(secret.data());
  bool ok = hmac != nullptr;
  if (ok && (!keyed.ctx || keyed.secret != secret)) {
    keyed.ctx.reset(EVP_MAC_CTX_new(hmac.get()));
    char digest_name[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest_name, 0),
                           OSSL_PARAM_construct_end()};
    ok = keyed.ctx && EVP_MAC_init(keyed.ctx.get(), key, secret.size(), params) == 1;
    keyed.secret = ok ? std::string(secret) : std::string();
    if (!ok) keyed.ctx.reset();
  } else if (ok) {
    ok = EVP_MAC_init(keyed.ctx.get(), nullptr, 0, nullptr) == 1;  // again, same key
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  std::size_t length = 0;
  ok = ok &&
       EVP_MAC_update(keyed.ctx.get(), reinterpret_cast<const unsigned char*>(payload.data()),
                      payload.size()) == 1 &&
       EVP_MAC_final(keyed.ctx.get(), digest.data(), &length, digest.size()) == 1 &&
       length >= kMacBytes;
  if (!ok) throw std::runtime_error("HMAC-SHA256 is not available from OpenSSL");
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
