#include "repositories.hpp"

#include <nlohmann/json.hpp>

namespace touchpoint::store::sqlite {
namespace {

const std::string kSelect = std::string("SELECT ") + kProspectColumns +
                           " FROM prospects p LEFT JOIN users pu ON pu.id = p.owner_id";

}  // namespace

Result<ImportSummary> SqliteProspects::import(const std::vector<core::Prospect>& prospects,
                                              const std::vector<std::string>& custom_columns,
                                              Timestamp now) {
  SQLite::Transaction txn(db_, SQLite::TransactionBehavior::IMMEDIATE);
  for (const auto& column : custom_columns) {
    SQLite::Statement add(db_, "INSERT OR IGNORE INTO custom_fields (name) VALUES (?)");
    add.bind(1, column);
    add.exec();
  }
  SQLite::Statement exists(db_, "SELECT id, custom FROM prospects WHERE email = ?");
  SQLite::Statement owner(db_, "SELECT id FROM users WHERE email = ?");
  SQLite::Statement insert(
      db_,
      "INSERT INTO prospects (email, first_name, last_name, company, title, phone, timezone, "
      "owner_id, salesforce_id, custom, created_at, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)");
  SQLite::Statement update(
      db_,
      "UPDATE prospects SET email = ?1, first_name = ?2, last_name = ?3, company = ?4, title = ?5, "
      "phone = ?6, timezone = ?7, owner_id = ?8, salesforce_id = ?9, custom = ?10, "
      "updated_at = ?11 WHERE id = ?12");
  ImportSummary summary;
  for (const auto& p : prospects) {
    exists.reset();
    exists.bind(1, p.email);
    std::optional<std::int64_t> id;
    nlohmann::json custom = nlohmann::json::object();
    if (exists.executeStep()) {
      id = exists.getColumn(0).getInt64();
      custom = nlohmann::json::parse(exists.getColumn(1).getString());
    }
    // Re-imports merge custom columns: a file without a column keeps the stored value.
    for (const auto& [key, value] : p.custom) custom[key] = value;

    SQLite::Statement& write = id ? update : insert;
    write.reset();
    write.bind(1, p.email);
    write.bind(2, p.first_name);
    write.bind(3, p.last_name);
    write.bind(4, p.company);
    write.bind(5, p.title);
    write.bind(6, p.phone);
    write.bind(7, p.timezone);
    owner.reset();
    owner.bind(1, p.owner_email);
    if (!p.owner_email.empty() && owner.executeStep())
      write.bind(8, owner.getColumn(0).getInt64());
    else
      write.bind(8);
    write.bind(9, p.salesforce_id);
    write.bind(10, custom.dump());
    write.bind(11, to_db(now));
    if (id) write.bind(12, *id);
    write.exec();
    ++(id ? summary.updated : summary.inserted);
  }
  txn.commit();
  return summary;
}

std::optional<core::Prospect> SqliteProspects::get(core::ProspectId id) {
  // Prepared once: the engine reads every claimed step's prospect through here.
  if (!get_) get_.emplace(db_, std::string(kSelect) + " WHERE p.id = ?");
  auto& q = *get_;
  q.reset();
  q.bind(1, id.value);
  std::optional<core::Prospect> found;
  if (q.executeStep()) found = read_prospect(q);
  q.reset();  // ends the read at once
  return found;
}

std::optional<core::Prospect> SqliteProspects::find(const std::string& email) {
  SQLite::Statement q(db_, std::string(kSelect) + " WHERE p.email = ?");
  q.bind(1, email);
  if (!q.executeStep()) return std::nullopt;
  return read_prospect(q);
}

std::vector<core::Prospect> SqliteProspects::list(const ProspectFilter& filter) {
  // LIKE is case-insensitive for ASCII, as domains are.
  std::string sql = std::string(kSelect) +
                    " WHERE (?1 IS NULL OR p.owner_id = ?1) "
                    "AND (?2 IS NULL OR p.email LIKE '%@' || ?2 ESCAPE '\\') ORDER BY p.id";
  if (filter.limit) sql += " LIMIT " + std::to_string(filter.limit);
  SQLite::Statement q(db_, sql);
  if (filter.owner) q.bind(1, filter.owner->value);
  if (filter.email_domain) {
    // The domain is matched literally: LIKE's wildcards in it are escaped.
    std::string literal;
    for (char c : *filter.email_domain) {
      if (c == '%' || c == '_' || c == '\\') literal += '\\';
      literal += c;
    }
    q.bind(2, literal);
  }
  std::vector<core::Prospect> out;
  while (q.executeStep()) out.push_back(read_prospect(q));
  return out;
}

std::set<std::string> SqliteProspects::custom_fields() {
  SQLite::Statement q(db_, "SELECT name FROM custom_fields");
  std::set<std::string> out;
  while (q.executeStep()) out.insert(q.getColumn(0).getString());
  return out;
}

}  // namespace touchpoint::store::sqlite
