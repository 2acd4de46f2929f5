#pragma once
// How a threaded step replies (DESIGN.md §6): one "Re: " on the subject, the References chain,
// and the earlier email's body quoted at the bottom.

#include <string>
#include <string_view>
#include <vector>

#include <touchpoint/core/result.hpp>
#include <touchpoint/core/time.hpp>

namespace touchpoint::core {

// "Re: " once, whatever reply prefixes the subject already carries ("Re:", "RE:", "Re[2]:",
// "SV:", "AW:", "Antw:" and repeats of them).
std::string reply_subject(std::string_view subject);

// The conversation's topic: the subject without any reply prefixes (Outlook's Thread-Topic).
std::string thread_topic(std::string_view subject);

// RFC 5322 §3.6.4: the parent's References (or, lacking them, its In-Reply-To) followed by
// the parent's Message-ID. Empty when the parent's Message-ID is unknown.
std::vector<std::string> reply_references(const std::vector<std::string>& parent_references,
                                          const std::string& parent_message_id);

// The reply body: `reply_html`, then an attribution line and the parent's HTML in a
// blockquote, as mail clients quote. `parent_date` is shown in `zone`.
std::string quote_below(const std::string& reply_html, const std::string& parent_html,
                        Timestamp parent_date, const date::time_zone& zone,
                        const std::string& parent_from_name, const std::string& parent_from_email);

// A Message-ID as a rep pastes it from a mail client ("<id@host>", spaces around) in the bare
// form the References and In-Reply-To headers are built from. An invalid_input error naming
// `field` when it is empty or holds a space, control character or angle bracket: stored as
// given, such an id would make the next threaded step unbuildable.
Result<std::string> normalize_message_id(std::string_view text, std::string_view field);

}  // namespace touchpoint::core
