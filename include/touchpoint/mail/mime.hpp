#pragma once
// MIME building (RFC 5322, RFC 2045-2047, RFC 8058) with vmime.

#include <string>
#include <string_view>

#include <touchpoint/core/ports.hpp>

namespace touchpoint::mail {

// Builds the whole message as it goes on the wire (CRLF line ends): Message-ID, Date, From,
// To (encoded words for non-ASCII names), Subject (encoded words when needed), In-Reply-To and
// References when threaded, List-Unsubscribe and List-Unsubscribe-Post when an unsubscribe URL
// is set, MIME-Version, and a multipart/alternative of text/plain (derived from the HTML) and
// text/html, both UTF-8. Throws std::invalid_argument when message_id is empty or an address,
// message id or unsubscribe link holds a space, control character or angle bracket (they would
// break or inject a header); line breaks in names and the subject become spaces. Thread-safe.
std::string build_mime(const core::OutgoingMessage& message);

// Outlook's Thread-Index (MS-OXOMSG 2.2.1.3 layout): 22 bytes for the conversation — here
// derived from a SHA-256 of the thread's first Message-ID (References' first, else the
// message's own), so every message of a thread shares them — then 5 bytes per reply level,
// derived from each later Message-ID of the chain; base64-encoded.
std::string thread_index(const core::OutgoingMessage& message);

// The plain-text alternative of an HTML body: tags dropped, block elements and <br> become
// line breaks, links become "text (url)", entities decoded, runs of blank lines collapsed.
std::string html_to_text(const std::string& html);

// Header text (a name, a subject) on one line: each run of control characters, such as a line
// break pasted into a subject, becomes one space, as build_mime writes it.
std::string one_line(std::string_view text);

// Every line break (CRLF, lone CR) as LF: the form GMime's encoders and compose links take.
std::string to_lf(std::string_view text);

}  // namespace touchpoint::mail
