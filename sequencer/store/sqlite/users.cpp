#include "repositories.hpp"

namespace touchpoint::store::sqlite {
namespace {

core::User user_of(SQLite::Statement& row) {
  return core::User{core::UserId{row.getColumn(0).getInt64()}, row.getColumn(1).getString(),
                    row.getColumn(2).getString(), row.getColumn(3).getString()};
}

constexpr const char* kSelect = "SELECT id, email, name, timezone FROM users";

}  // namespace

Result<core::User> SqliteUsers::add(const core::User& user, Timestamp now) {
  if (find(user.email))
    return core::fail(core::ErrorCode::conflict, "a user with email '" + user.email + "' exists");
  SQLite::Statement insert(
      db_, "INSERT INTO users (email, name, timezone, created_at) VALUES (?, ?, ?, ?)");
  insert.bind(1, user.email);
  insert.bind(2, user.name);
  insert.bind(3, user.timezone);
  insert.bind(4, to_db(now));
  insert.exec();
  core::User added = user;
  added.id = core::UserId{db_.getLastInsertRowid()};
  return added;
}

std::optional<core::User> SqliteUsers::find(const std::string& email) {
  SQLite::Statement q(db_, std::string(kSelect) + " WHERE email = ?");
  q.bind(1, email);
  if (!q.executeStep()) return std::nullopt;
  return user_of(q);
}

std::optional<core::User> SqliteUsers::get(core::UserId id) {
  SQLite::Statement q(db_, std::string(kSelect) + " WHERE id = ?");
  q.bind(1, id.value);
  if (!q.executeStep()) return std::nullopt;
  return user_of(q);
}

std::vector<core::User> SqliteUsers::list() {
  SQLite::Statement q(db_, std::string(kSelect) + " ORDER BY email");
  std::vector<core::User> out;
  while (q.executeStep()) out.push_back(user_of(q));
  return out;
}

}  // namespace touchpoint::store::sqlite
