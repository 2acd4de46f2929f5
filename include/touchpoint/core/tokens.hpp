#pragma once
// Signed tokens for the public tracking endpoints (open pixel, click redirect, unsubscribe):
// the endpoints take nothing else, so a token must say everything and be unforgeable.
//
// Form: "v1.<base64url payload>.<base64url HMAC-SHA256(secret, payload), first 16 bytes>".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <touchpoint/core/time.hpp>

namespace touchpoint::core {

struct TrackingToken {
  enum class Kind { open, click, unsubscribe };
  Kind kind = Kind::open;
  std::int64_t step_run = 0;    // the sent step (one message per step)
  std::string url;              // click: the only place the redirect may go
  std::int64_t expires_at = 0;  // Unix seconds; 0: never (unsubscribe links must keep working)
};

// Thread-safe. `secret` must not be empty.
std::string sign_token(const TrackingToken& token, std::string_view secret);

// The token's content when its signature is right and it has not expired at `now`; empty for
// anything forged, altered, truncated or expired. Constant-time signature comparison.
std::optional<TrackingToken> verify_token(std::string_view text, std::string_view secret,
                                          Timestamp now);

}  // namespace touchpoint::core
