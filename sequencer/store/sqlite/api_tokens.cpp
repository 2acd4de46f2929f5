// The bridge's bearer tokens, by hash.
#include "repositories.hpp"

namespace touchpoint::store::sqlite {

Result<void> SqliteApiTokens::add(core::UserId user, const std::string& token_hash, Timestamp now) {
  SQLite::Statement exists(db_, "SELECT 1 FROM users WHERE id = ?");
  exists.bind(1, user.value);
  if (!exists.executeStep())
    return core::fail(core::ErrorCode::not_found, "no user with id " + std::to_string(user.value));
  SQLite::Statement insert(
      db_, "INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES (?, ?, ?)");
  insert.bind(1, user.value);
  insert.bind(2, token_hash);
  insert.bind(3, to_db(now));
  insert.exec();
  return {};
}

std::optional<core::User> SqliteApiTokens::user_of(const std::string& token_hash) {
  if (!user_of_)
    user_of_.emplace(db_,
                     "SELECT u.id, u.email, u.name, u.timezone FROM api_tokens t "
                     "JOIN users u ON u.id = t.user_id "
                     "WHERE t.token_hash = ? AND t.revoked_at IS NULL");
  auto& q = *user_of_;
  q.reset();
  q.bind(1, token_hash);
  std::optional<core::User> user;
  if (q.executeStep())
    user = core::User{core::UserId{q.getColumn(0).getInt64()}, q.getColumn(1).getString(),
                      q.getColumn(2).getString(), q.getColumn(3).getString()};
  q.reset();  // ends the read, so the connection holds no snapshot between requests
  return user;
}

}  // namespace touchpoint::store::sqlite
