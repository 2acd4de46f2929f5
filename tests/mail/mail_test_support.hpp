#pragma once
// Helpers for the mail tests: a scratch folder, a sample message, and Python's email package
// as an independent parser of what build_mime produces.

#include <string>

#include <nlohmann/json.hpp>

#include <touchpoint/core/ports.hpp>

#include "python_json.hpp"

namespace touchpoint::mail::test {

using touchpoint::test::TempDir;

// A rep in Sweden writing a threaded follow-up to a prospect in Korea, with unsubscribe links.
core::OutgoingMessage korean_follow_up();

// Parses `raw` with Python's email package (policy.default) and returns, as JSON: "headers"
// (decoded, by name; null when absent), "from"/"to" ([{name, address}]), "strict_names"
// ({From, To}: display names decoded strictly per RFC 2047 6.2, which Python's modern address
// parser is not before 3.14), "date" (ISO 8601), "content_type", "parts" ([{type, charset,
// transfer_encoding, content}], content decoded with line ends as "\n"), "defects" (names),
// "bad_encoded_words" (those that do not decode alone in their charset) and "header_is_ascii".
// Throws std::runtime_error when Python fails.
nlohmann::json parse_with_python(const std::string& raw);

// The text of one of the shared inbound fixtures (fixtures/inbound/<name>).
std::string inbound_fixture(const std::string& name);

}  // namespace touchpoint::mail::test
