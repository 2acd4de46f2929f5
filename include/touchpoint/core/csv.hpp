#pragma once
// RFC 4180 CSV reading, UTF-8.

#include <string>
#include <string_view>
#include <vector>

#include <touchpoint/core/result.hpp>

namespace touchpoint::core {

struct CsvRecord {
  int line = 0;  // 1-based line number where the record starts in the file
  std::vector<std::string> fields;
};

// Parses a whole CSV text: quoted fields with "" escapes, commas and line breaks inside quotes,
// CRLF or LF line ends, an optional UTF-8 BOM, and a missing final line end. Blank lines are
// skipped. Returns an error naming the line of an unterminated quote or a stray quote.
Result<std::vector<CsvRecord>> parse_csv(std::string_view text);

}  // namespace touchpoint::core
