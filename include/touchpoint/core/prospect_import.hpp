#pragma once
// Turns CSV records into prospects (DESIGN.md §4). Pure: the store does the upsert.

#include <set>
#include <string>
#include <vector>

#include <touchpoint/core/csv.hpp>
#include <touchpoint/core/prospect.hpp>

namespace touchpoint::core {

struct RowError {
  int line = 0;       // line number in the file
  std::string email;  // as written, may be empty
  std::string message;
};

struct ProspectBatch {
  std::vector<Prospect> prospects;  // valid rows, in file order; later duplicates replace earlier
  std::vector<RowError> errors;     // skipped rows
  std::vector<std::string> custom_columns;  // header columns that are not known columns
};

enum class OwnerCheck { known_users, none };

// Validates each row: `email` must be present and a plausible address; `owner`, when present,
// must be one of `known_owners` (compared case-insensitively) unless `owner_check` is none (a
// preview with no database of reps); `timezone`, when present, is
// kept even if unknown (scheduling treats an unknown zone as absent). A header without an
// `email` column is an error for the whole file.
Result<ProspectBatch> read_prospects(const std::vector<CsvRecord>& records,
                                     const std::set<std::string>& known_owners,
                                     OwnerCheck owner_check = OwnerCheck::known_users);

// True for a plausible single address: local@domain, with a dot in the domain, no spaces.
bool is_valid_email(std::string_view email);

}  // namespace touchpoint::core
