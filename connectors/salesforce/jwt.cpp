// The JWT bearer flow's assertion, signed RS256 with OpenSSL.
#include <touchpoint/salesforce/api.hpp>

#include <memory>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace touchpoint::salesforce {
namespace {

std::string base64url(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  for (auto& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

}  // namespace

std::string jwt_assertion(const Settings& settings, std::int64_t now_seconds) {
  nlohmann::json header = {{"alg", "RS256"}};
  nlohmann::json claims = {{"iss", settings.client_id},
                           {"sub", settings.username},
                           {"aud", settings.login_url},
                           {"exp", now_seconds + 180}};
  std::string signing_input = base64url(header.dump()) + "." + base64url(claims.dump());

  auto fail = [&](const std::string& why) -> ApiError {
    return ApiError(FailureClass::auth, "PRIVATE_KEY",
                    "salesforce.private_key_file " + settings.private_key_file + ": " + why);
  };
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(settings.private_key_file.c_str(), "r"),
                                                &BIO_free);
  if (!bio) throw fail("cannot be read");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (!key) throw fail("is not a PEM private key");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  std::size_t length = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(signing_input.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, data, signing_input.size()) != 1)
    throw fail("cannot sign with it (an RSA key is needed)");
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, data,
                     signing_input.size()) != 1)
    throw fail("signing failed");
  signature.resize(length);
  return signing_input + "." + base64url(signature);
}

}  // namespace touchpoint::salesforce
