#include "repositories.hpp"

namespace touchpoint::store::sqlite {

std::vector<Event> SqliteEvents::list(std::int64_t after_id, std::size_t limit) {
  SQLite::Statement q(
      db_,
      "SELECT id, at, type, enrollment_id, prospect_id, detail FROM events WHERE id > ? "
      "ORDER BY id LIMIT ?");
  q.bind(1, after_id);
  q.bind(2, limit ? static_cast<std::int64_t>(limit) : -1);
  std::vector<Event> out;
  while (q.executeStep()) {
    Event e;
    e.id = q.getColumn(0).getInt64();
    e.at = timestamp_of(q.getColumn(1).getInt64());
    e.type = q.getColumn(2).getString();
    if (!q.getColumn(3).isNull()) e.enrollment = core::EnrollmentId{q.getColumn(3).getInt64()};
    if (!q.getColumn(4).isNull()) e.prospect = core::ProspectId{q.getColumn(4).getInt64()};
    e.detail = q.getColumn(5).getString();
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace touchpoint::store::sqlite
