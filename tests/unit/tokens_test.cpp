#include <catch2/catch.hpp>

#include <cctype>

#include <touchpoint/core/tokens.hpp>

using namespace touchpoint::core;

namespace {
Timestamp at(const char* iso) {
  return *parse_instant(iso);
}
}  // namespace

TEST_CASE("a signed token reads back; a forged, altered or expired one does not", "[unit]") {
  const std::string secret = "s3cret-of-at-least-some-length";
  TrackingToken click{TrackingToken::Kind::click, 41, "https://touchpoint.test/tour?a=1&b=å#x", 0};
  auto token = sign_token(click, secret);
  auto read = verify_token(token, secret, at("2026-03-02T08:00:00Z"));
  REQUIRE(read);
  CHECK(read->kind == TrackingToken::Kind::click);
  CHECK(read->step_run == 41);
  CHECK(read->url == click.url);
  for (char c : token)
    CHECK((std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'));

  CHECK_FALSE(verify_token(token, "another secret", at("2026-03-02T08:00:00Z")));
  auto altered = sign_token({TrackingToken::Kind::click, 41, "https://evil.example/", 0}, "x");
  CHECK_FALSE(verify_token(altered, secret, at("2026-03-02T08:00:00Z")));
  // Swap the payload of one valid token with another's: the signature no longer matches.
  auto other = sign_token({TrackingToken::Kind::click, 41, "https://evil.example/", 0}, secret);
  auto spliced = other.substr(0, other.rfind('.')) + token.substr(token.rfind('.'));
  CHECK_FALSE(verify_token(spliced, secret, at("2026-03-02T08:00:00Z")));
  CHECK_FALSE(verify_token(token.substr(0, token.size() - 2), secret, at("2026-03-02T08:00:00Z")));
  CHECK_FALSE(verify_token("v1.garbage", secret, at("2026-03-02T08:00:00Z")));
  CHECK_FALSE(verify_token("", secret, at("2026-03-02T08:00:00Z")));

  auto expiring = sign_token(
      {TrackingToken::Kind::open, 7, "", at("2026-04-01T00:00:00Z").time_since_epoch().count()},
      secret);
  CHECK(verify_token(expiring, secret, at("2026-03-31T23:59:59Z")));
  CHECK_FALSE(verify_token(expiring, secret, at("2026-04-01T00:00:00Z")));
}

TEST_CASE("a token's signature is HMAC-SHA256 of its payload, whatever secret came before",
          "[unit]") {
  // Expected values from Python's hmac module: base64url(HMAC-SHA256(secret, payload)[:16]).
  // Alternating secrets on one thread checks the MAC is keyed afresh when the secret changes.
  for (int round = 0; round < 2; ++round) {
    CHECK(sign_token({TrackingToken::Kind::click, 41, "https://touchpoint.test/tour?a=1", 0},
                     "known-answer-secret") ==
          "v1.Y3w0MXwwfGh0dHBzOi8vdG91Y2hwb2ludC50ZXN0L3RvdXI_YT0x.g07tD1ClXsGWYxZIZEuFfw");
    CHECK(sign_token({TrackingToken::Kind::open, 7, "", 0}, "another") ==
          "v1.b3w3fDB8.F5iRUzMQd7neN_z1Z8nqrQ");
  }
}
