#pragma once
// What inbound mail does to enrollments (DESIGN.md §6): a reply ends them when the sequence
// exits on replies; an automatic reply pauses them until the return date (or 7 days); a hard
// bounce marks the address and ends them when the sequence exits on bounces; a soft bounce and
// a delivery report (RFC 3464 Action: delivered) are recorded as events.

#include <string>
#include <vector>

#include <touchpoint/core/inbound.hpp>
#include <touchpoint/store/store.hpp>

namespace touchpoint::engine {

struct InboundOutcome {
  std::string message_id;  // of the inbound message, when it has one
  std::string kind;  // "reply", "auto_reply", "hard_bounce", "soft_bounce", "delivered", "other"
  std::string action;      // "exited", "paused", "recorded", "duplicate", "unmatched", "ignored"
  std::vector<core::EnrollmentId> enrollments;  // the enrollments it touched
  std::string detail;                           // e.g. "until 2026-03-16"
};

// Acts on one classified inbound message received at `now`, once per Message-ID. Matches it to
// the enrollment of the message it refers to (In-Reply-To/References, or the reported message),
// else to every live enrollment of the sender's (or bounced recipient's) address.
InboundOutcome handle_inbound(store::Store& store, const core::InboundMail& mail,
                              core::Timestamp now);

}  // namespace touchpoint::engine
