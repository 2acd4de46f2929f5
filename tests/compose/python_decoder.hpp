#pragma once
// Python 3's standard library as an independent decoder of what the compose connector builds.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace touchpoint::compose::test {

// Decodes each URL with urllib.parse and returns one JSON object per URL, in order:
//   "scheme", "netloc", "path" (raw), "path_decoded" (urllib.parse.unquote),
//   "query_form": {name: [values]} by parse_qs(strict_parsing) - how a web server reads a
//                 query, "+" as a space;
//   "query_pct":  {name: [values]} split on "&" and "=" and decoded with unquote (errors
//                 strict) - RFC 3986 / RFC 6068 reading, "+" as itself;
//   "fragment".
// Throws std::runtime_error when Python fails (a URL that does not decode as UTF-8, say).
nlohmann::json decode_urls(const std::vector<std::string>& urls);

// Decodes a Gmail API "raw" (base64url) and parses the message with the email package
// (policy.default). Returns "headers" {name: decoded or null} for From, To, Subject,
// Message-ID, In-Reply-To, References, Date, MIME-Version; "to" [{name, address}];
// "parts" [{type, content}] (content decoded, "\n" line ends); "defects" (names).
nlohmann::json parse_gmail_raw(const std::string& raw);

}  // namespace touchpoint::compose::test
