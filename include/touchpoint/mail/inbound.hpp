#pragma once
// Inbound mail, the pure half: parsing a fetched message (RFC 5322 / MIME, with vmime) and
// classifying it as a human reply, an automatic reply (RFC 3834, out-of-office forms) or a
// delivery status notification (RFC 3464): a bounce or a delivery report. No networking; the
// IMAP poller feeds raw messages.

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <touchpoint/core/inbound.hpp>

namespace touchpoint::mail {

// The parsed message; the type lives in core so the engine can act on it.
using InboundMessage = core::InboundMail;

// Parses and classifies one raw message (any line ends). In order:
//  - bounce: a multipart/report (or any message/delivery-status part) whose first per-recipient
//    block has Status 5.x.x (hard) or 4.x.x (soft), or without a Status, Action failed (hard)
//    or delayed (soft);
//  - delivered: such a report whose recipient block says Action: delivered (Status 2.x.x or
//    none) and none failed or delayed; a DSN saying only relayed or expanded is `other`;
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
