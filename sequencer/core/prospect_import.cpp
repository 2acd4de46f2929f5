#include <touchpoint/core/prospect_import.hpp>

#include <touchpoint/core/ascii.hpp>

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <map>
#include <optional>
#include <utility>

namespace touchpoint::core {
namespace {

// Where each known column lands in a Prospect.
struct KnownColumn {
  std::string_view name;
  std::string Prospect::*field;
};
constexpr KnownColumn kKnownColumns[] = {{"email", &Prospect::email},
                                         {"first_name", &Prospect::first_name},
                                         {"last_name", &Prospect::last_name},
                                         {"company", &Prospect::company},
                                         {"title", &Prospect::title},
                                         {"phone", &Prospect::phone},
                                         {"timezone", &Prospect::timezone},
                                         {"owner", &Prospect::owner_email},
                                         {"salesforce_id", &Prospect::salesforce_id}};
static_assert(std::size(kKnownColumns) == std::size(kKnownProspectColumns));

// One header column: a Prospect field, a custom field, or ignored (a column with no name).
struct Column {
  std::string name;
  std::string Prospect::*field = nullptr;  // null: custom field
};

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

std::string at_line(int line, std::string_view what) {
  return "line " + std::to_string(line) + ": " + std::string(what);
}

Result<std::vector<Column>> read_header(const CsvRecord& header) {
  std::vector<Column> columns;
  for (const auto& raw : header.fields) {
    Column column{lower_ascii(trim(raw))};
    const auto known = std::find_if(std::begin(kKnownColumns), std::end(kKnownColumns),
                                    [&](const KnownColumn& k) { return k.name == column.name; });
    if (known != std::end(kKnownColumns)) column.field = known->field;
    const bool repeated =
        !column.name.empty() && std::any_of(columns.begin(), columns.end(),
                                            [&](const Column& c) { return c.name == column.name; });
    if (repeated) {
      return fail(ErrorCode::invalid_input,
                  at_line(header.line, "the column '" + column.name + "' appears twice"));
    }
    columns.push_back(std::move(column));
  }
  const bool has_email = std::any_of(columns.begin(), columns.end(),
                                     [](const Column& c) { return c.name == "email"; });
  if (!has_email) {
    return fail(ErrorCode::invalid_input, at_line(header.line, "the header has no 'email' column"));
  }
  return columns;
}

bool all_blank(const std::vector<std::string>& fields) {
  return std::all_of(fields.begin(), fields.end(),
                     [](const std::string& f) { return trim(f).empty(); });
}

// Why a row cannot be imported, or nullopt; sets the owner to the user's own spelling.
std::optional<std::string> check_row(Prospect& prospect,
                                     const std::map<std::string, std::string>& owner_by_key,
                                     OwnerCheck owner_check) {
  if (prospect.email.empty()) return "the email is empty";
  if (!is_valid_email(prospect.email)) {
    return "'" + prospect.email + "' is not a valid email address";
  }
  if (prospect.owner_email.empty() || owner_check == OwnerCheck::none) return std::nullopt;
  const auto owner = owner_by_key.find(lower_ascii(prospect.owner_email));
  if (owner == owner_by_key.end()) {
    return "the owner '" + prospect.owner_email + "' is not a known user";
  }
  prospect.owner_email = owner->second;
  return std::nullopt;
}

}  // namespace

Result<ProspectBatch> read_prospects(const std::vector<CsvRecord>& records,
                                     const std::set<std::string>& known_owners,
                                     OwnerCheck owner_check) {
  if (records.empty()) {
    return fail(ErrorCode::invalid_input, "the file is empty; expected a header with 'email'");
  }
  auto columns = read_header(records.front());
  if (!columns) return tl::unexpected(std::move(columns.error()));

  ProspectBatch batch;
  for (const auto& column : *columns) {
    if (!column.field && !column.name.empty()) batch.custom_columns.push_back(column.name);
  }
  // Owners match case-insensitively but are stored as the user's own spelling.
  std::map<std::string, std::string> owner_by_key;
  for (const auto& owner : known_owners) owner_by_key.emplace(lower_ascii(owner), owner);
  // Lower-cased email -> index in batch.prospects, so a repeat replaces the first in place.
  std::map<std::string, std::size_t> index_by_email;

  for (auto record = std::next(records.begin()); record != records.end(); ++record) {
    // Rows of empty cells (",,,," left by spreadsheets) count as blank lines.
    if (all_blank(record->fields)) continue;
    Prospect prospect;
    for (std::size_t i = 0; i < columns->size() && i < record->fields.size(); ++i) {
      const auto& column = (*columns)[i];
      std::string value(trim(record->fields[i]));
      if (column.field) {
        prospect.*column.field = std::move(value);
      } else if (!column.name.empty()) {
        prospect.custom[column.name] = std::move(value);
      }
    }
    // A wrong field count comes first: the values may be shifted into the wrong columns.
    const auto row_error =
        record->fields.size() != columns->size()
            ? std::optional("expected " + std::to_string(columns->size()) + " fields, found " +
                            std::to_string(record->fields.size()))
            : check_row(prospect, owner_by_key, owner_check);
    if (row_error) {
      batch.errors.push_back(
          RowError{record->line, prospect.email, at_line(record->line, *row_error)});
      continue;
    }

    const auto [slot, added] =
        index_by_email.emplace(lower_ascii(prospect.email), batch.prospects.size());
    if (added) {
      batch.prospects.push_back(std::move(prospect));
    } else {
      batch.prospects[slot->second] = std::move(prospect);
    }
  }
  return batch;
}

bool is_valid_email(std::string_view email) {
  constexpr std::size_t kMaxLength = 254;
  constexpr std::size_t kMaxLocalLength = 64;
  if (email.size() > kMaxLength) return false;
  // No spaces or control characters anywhere (bytes >= 0x80 are UTF-8 and allowed).
  const bool has_blank = std::any_of(email.begin(), email.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7F;
  });
  if (has_blank) return false;
  const auto at = email.find('@');
  if (at == std::string_view::npos || email.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  const auto local = email.substr(0, at);
  const auto domain = email.substr(at + 1);
  if (local.empty() || local.size() > kMaxLocalLength) return false;
  // The domain needs at least two labels and none may be empty ("a..b", ".a", "a.").
  if (domain.find('.') == std::string_view::npos) return false;
  return domain.front() != '.' && domain.back() != '.' &&
         domain.find("..") == std::string_view::npos;
}

}  // namespace touchpoint::core
