// Bearer tokens: "tp_" + 32 random bytes in base64url. Only the token's SHA-256 is stored, so
// a copy of the database grants nothing.
#include <array>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "internal.hpp"

namespace touchpoint::bridge {
namespace {

constexpr std::string_view kPrefix = "tp_";
constexpr std::size_t kRandomBytes = 32;

std::string base64url(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  auto n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (auto& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::string sha256_hex(std::string_view text) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (auto b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 0x0f];
  }
  return out;
}

}  // namespace

Service::Service(store::Store& store, engine::EngineConfig config)
    : store_(store), config_(std::move(config)) {}

std::string Service::create_token(core::UserId user, core::Timestamp now) {
  std::array<unsigned char, kRandomBytes> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1)
    throw ApiError(500, "internal", "the system's random generator failed");
  std::string token = std::string(kPrefix) + base64url(random.data(), random.size());
  detail::require(store_.api_tokens().add(user, sha256_hex(token), now));
  return token;
}

std::optional<core::User> Service::authenticate(std::string_view token) {
  // Cheap refusals first: nothing we issued looks different.
  if (token.size() < kPrefix.size() + 40 || token.size() > 100 || !token.starts_with(kPrefix))
    return std::nullopt;
  return store_.api_tokens().user_of(sha256_hex(token));
}

}  // namespace touchpoint::bridge
