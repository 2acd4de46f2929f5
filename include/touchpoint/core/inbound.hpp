#pragma once
// Inbound mail as the sequencer sees it: what a fetched message is (a reply, an automatic
// reply, a bounce) and what it refers to. touchpoint::mail parses raw messages into this;
// the engine acts on it.

#include <optional>
#include <string>
#include <vector>

#include <date/date.h>

namespace touchpoint::core {

struct InboundMail {
  enum class Kind {
    reply,       // a person wrote back; the sequencer matches it by refers_to, else by sender
    auto_reply,  // RFC 3834 Auto-Submitted or an out-of-office form: pause the enrollment
    bounce,      // an RFC 3464 delivery status notification for a failed or delayed delivery
    delivered,   // an RFC 3464 notification that a sent message reached the recipient's
                 // mailbox (Action: delivered): recorded, nothing else changes
    other,       // nothing to act on: no sender, or a DSN saying relayed or expanded
  };
  enum class BounceKind { hard, soft };

  Kind kind = Kind::other;
  std::string message_id;  // without angle brackets; empty when the header is missing
  std::string from_email;  // the From address as written (not lower-cased); empty when missing
  std::string subject;     // decoded to UTF-8
  // Message-IDs (without angle brackets) from In-Reply-To, then References, no duplicates:
  // the ids of our sent mail this message answers.
  std::vector<std::string> refers_to;
  // The value of X-Touchpoint-Message when present: a marker for mail Touchpoint sent itself
  // (build_mime does not add it yet).
  std::string touchpoint_header;

  // Bounces and delivery reports only.
  BounceKind bounce_kind = BounceKind::hard;  // bounces only
  std::string status;               // the RFC 3463 status code, e.g. "5.1.1", "2.0.0"; may be empty
  std::string recipient;            // Final-Recipient, else Original-Recipient, address only
  std::string original_message_id;  // of the message reported on, without angle brackets

  // Automatic replies only: the date the sender says they are back, when one can be read.
  std::optional<date::year_month_day> return_date;

  // The decoded text/plain part (UTF-8), else text derived from the text/html part.
  std::string body_text;
};

}  // namespace touchpoint::core
