#pragma once
// Inbound mail, the pure half: parsing a fetched message (RFC 5322 / MIME, with vmime) and
// classifying it as a human reply, an automatic reply (RFC 3834, out-of-office forms) or a
// delivery status notification (RFC 3464). No networking; the IMAP poller feeds raw messages.

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <date/date.h>

namespace touchpoint::mail {

struct InboundMessage {
  enum class Kind {
    reply,       // a person wrote back; the sequencer matches it by refers_to, else by sender
    auto_reply,  // RFC 3834 Auto-Submitted or an out-of-office form: pause the enrollment
    bounce,      // an RFC 3464 delivery status notification for a failed or delayed delivery
    other,       // nothing to act on: no sender, or a DSN reporting a successful delivery
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

  // Bounces only.
  BounceKind bounce_kind = BounceKind::hard;
  std::string status;               // the RFC 3463 status code, e.g. "5.1.1"; may be empty
  std::string recipient;            // Final-Recipient, else Original-Recipient, address only
  std::string original_message_id;  // of the message that bounced, without angle brackets

  // Automatic replies only: the date the sender says they are back, when one can be read.
  std::optional<date::year_month_day> return_date;

  // The decoded text/plain part (UTF-8), else text derived from the text/html part.
  std::string body_text;
};

// Parses and classifies one raw message (any line ends). In order:
//  - bounce: a multipart/report (or any message/delivery-status part) whose first per-recipient
//    block has Status 5.x.x (hard) or 4.x.x (soft), or without a Status, Action failed (hard)
//    or delayed (soft); a DSN saying delivered/relayed/expanded is `other`;
//  - auto_reply: Auto-Submitted other than "no", X-Autoreply, X-Autorespond,
//    Precedence: auto_reply, or a subject starting with an out-of-office form in English,
//    Dutch, Swedish, German or Korean ("Out of Office", "Automatic reply", "Automatisch
//    antwoord", "Afwezig", "Autosvar", "Abwesenheitsnotiz", "부재중", ...);
//  - other when there is no From address; reply otherwise.
// Never throws on malformed input: what cannot be read is left empty. Thread-safe.
InboundMessage classify_inbound(std::string_view raw_rfc5322);

// The date an out-of-office text says its sender is back, or std::nullopt when none can be read.
// Reads a date next to a return or absence cue in English, Dutch, Swedish, German or Korean:
// "back on 16 March 2026", "return on March 16, 2026", "until 2026-03-16", "terug op 16 maart
// 2026", "tot en met 16 maart 2026", "tillbaka den 16 mars 2026", "zurück am 16. März 2026",
// "bis 16.03.2026", "2026년 3월 16일에 복귀", "3월 16일까지". The first date with a return cue
// wins, else the first with an "until" cue; only the first 16 KiB of `text` are read.
// "Until X" forms give X itself, as "back on X" does: the sequencer resumes on that day (see
// kDaysAfterUntil in inbound.cpp). A date without a year takes the year that puts it on or after
// `sent_on` (the message's Date); without `sent_on` such a date is not read. Thread-safe.
std::optional<date::year_month_day> read_return_date(
    std::string_view text, std::optional<date::year_month_day> sent_on = std::nullopt);

// True when the message is one Touchpoint sent itself (seen again through IMAP, e.g. in a
// shared folder or as a copy to self): it carries X-Touchpoint-Message, or its From address is
// one of `our_addresses` (the reps' mailboxes; compared ignoring ASCII case). Thread-safe.
bool is_own(const InboundMessage& message, const std::set<std::string>& our_addresses);

}  // namespace touchpoint::mail
