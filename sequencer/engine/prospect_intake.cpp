#include <touchpoint/engine/prospect_intake.hpp>

#include <touchpoint/core/csv.hpp>

namespace touchpoint::engine {

std::set<std::string> known_owners(store::Store& store) {
  std::set<std::string> owners;
  for (const auto& u : store.users().list()) owners.insert(u.email);
  return owners;
}

core::Result<core::ProspectBatch> read_prospects_csv(store::Store& store, std::string_view text) {
  auto records = core::parse_csv(text);
  if (!records) return tl::unexpected(records.error());
  return core::read_prospects(*records, known_owners(store));
}

core::Result<ImportedProspects> import_prospects(store::Store& store,
                                                 const core::ProspectBatch& batch,
                                                 core::Timestamp now) {
  auto summary = store.prospects().import(batch.prospects, batch.custom_columns, now);
  if (!summary) return tl::unexpected(summary.error());
  ImportedProspects out{*summary, {}};
  out.prospects.reserve(batch.prospects.size());
  for (const auto& p : batch.prospects) {
    auto stored = store.prospects().find(p.email);
    if (!stored)
      return core::fail(core::ErrorCode::unavailable, p.email + ": missing right after import");
    out.prospects.push_back(std::move(*stored));
  }
  return out;
}

}  // namespace touchpoint::engine
