#include "repositories.hpp"

#include <charconv>

#include <touchpoint/core/sequence_parser.hpp>

namespace touchpoint::store::sqlite {
namespace {

constexpr const char* kSelect =
    "SELECT s.id, s.name, s.current_version, v.id, v.steps, "
    "(SELECT COUNT(*) FROM enrollments e WHERE e.sequence_id = s.id AND e.state = 'active') "
    "FROM sequences s JOIN sequence_versions v ON v.sequence_id = s.id AND v.version = "
    "s.current_version";

SequenceSummary summary_of(SQLite::Statement& row) {
  SequenceSummary s;
  s.id = core::SequenceId{row.getColumn(0).getInt64()};
  s.name = row.getColumn(1).getString();
  s.version = row.getColumn(2).getInt();
  s.version_id = core::SequenceVersionId{row.getColumn(3).getInt64()};
  s.steps = row.getColumn(4).getInt();
  s.active_enrollments = row.getColumn(5).getInt();
  return s;
}

}  // namespace

Result<AppliedSequence> SqliteSequences::apply(const core::Sequence& sequence, Timestamp now) {
  const std::string definition = core::to_json(sequence);
  SQLite::Transaction txn(db_, SQLite::TransactionBehavior::IMMEDIATE);
  AppliedSequence applied;
  SQLite::Statement current(
      db_,
      "SELECT s.id, s.current_version, v.id, v.definition FROM sequences s "
      "JOIN sequence_versions v ON v.sequence_id = s.id AND v.version = s.current_version "
      "WHERE s.name = ?");
  current.bind(1, sequence.name);
  if (current.executeStep()) {
    applied.id = core::SequenceId{current.getColumn(0).getInt64()};
    applied.version = current.getColumn(1).getInt();
    if (current.getColumn(3).getString() == definition) {
      applied.version_id = core::SequenceVersionId{current.getColumn(2).getInt64()};
      return applied;  // unchanged: same version
    }
    ++applied.version;
  } else {
    SQLite::Statement insert(
        db_, "INSERT INTO sequences (name, current_version, created_at) VALUES (?, 1, ?)");
    insert.bind(1, sequence.name);
    insert.bind(2, to_db(now));
    insert.exec();
    applied.id = core::SequenceId{db_.getLastInsertRowid()};
    applied.version = 1;
  }
  SQLite::Statement version(
      db_,
      "INSERT INTO sequence_versions (sequence_id, version, definition, steps, created_at) "
      "VALUES (?, ?, ?, ?, ?)");
  version.bind(1, applied.id.value);
  version.bind(2, applied.version);
  version.bind(3, definition);
  version.bind(4, static_cast<std::int64_t>(sequence.steps.size()));
  version.bind(5, to_db(now));
  version.exec();
  applied.version_id = core::SequenceVersionId{db_.getLastInsertRowid()};
  SQLite::Statement bump(db_, "UPDATE sequences SET current_version = ? WHERE id = ?");
  bump.bind(1, applied.version);
  bump.bind(2, applied.id.value);
  bump.exec();
  txn.commit();
  applied.changed = true;
  return applied;
}

std::optional<SequenceSummary> SqliteSequences::find(const std::string& id_or_name) {
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(id_or_name.data(), id_or_name.data() + id_or_name.size(), id);
  bool numeric = ec == std::errc() && end == id_or_name.data() + id_or_name.size();
  // A name wins over an id, so a sequence named "7" stays reachable.
  SQLite::Statement by_name(db_, std::string(kSelect) + " WHERE s.name = ?");
  by_name.bind(1, id_or_name);
  if (by_name.executeStep()) return summary_of(by_name);
  if (!numeric) return std::nullopt;
  SQLite::Statement by_id(db_, std::string(kSelect) + " WHERE s.id = ?");
  by_id.bind(1, id);
  if (by_id.executeStep()) return summary_of(by_id);
  return std::nullopt;
}

std::vector<SequenceSummary> SqliteSequences::list() {
  SQLite::Statement q(db_, std::string(kSelect) + " ORDER BY s.id");
  std::vector<SequenceSummary> out;
  while (q.executeStep()) out.push_back(summary_of(q));
  return out;
}

std::optional<core::Sequence> SqliteSequences::load_version(core::SequenceVersionId version) {
  SQLite::Statement q(db_, "SELECT definition FROM sequence_versions WHERE id = ?");
  q.bind(1, version.value);
  if (!q.executeStep()) return std::nullopt;
  auto parsed = core::parse_sequence(q.getColumn(0).getString());
  if (!parsed)
    throw std::runtime_error("stored sequence version " + std::to_string(version.value) +
                             " does not parse");
  return std::move(*parsed);
}

std::optional<core::SequenceVersionId> SqliteSequences::find_version(core::SequenceId sequence,
                                                                     int number) {
  SQLite::Statement q(db_,
                      "SELECT id FROM sequence_versions WHERE sequence_id = ? AND version = ?");
  q.bind(1, sequence.value);
  q.bind(2, number);
  if (!q.executeStep()) return std::nullopt;
  return core::SequenceVersionId{q.getColumn(0).getInt64()};
}

}  // namespace touchpoint::store::sqlite
