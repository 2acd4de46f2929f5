#pragma once
// Taking in a prospects CSV (DESIGN.md §4) against the reps the store knows, and upserting
// its rows. Shared by `touchpoint prospects import`, `touchpoint enroll --prospects FILE`,
// the demo and the bridge's CSV enrollment, so they read files the same way.

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <touchpoint/core/prospect_import.hpp>
#include <touchpoint/store/store.hpp>

namespace touchpoint::engine {

// The reps' emails: what a CSV's owner column must name.
std::set<std::string> known_owners(store::Store& store);

// Parses a CSV text and validates its rows against the known reps. Bad rows are in the
// batch's `errors`, by line; an error for the whole file (a stray quote, no email column)
// fails with `invalid_input` naming the line.
core::Result<core::ProspectBatch> read_prospects_csv(store::Store& store, std::string_view text);

struct ImportedProspects {
  store::ImportSummary summary;
  std::vector<core::Prospect> prospects;  // the batch's rows as stored (with ids), in file order
};

// Upserts a batch's valid rows by email and returns them as stored.
core::Result<ImportedProspects> import_prospects(store::Store& store,
                                                 const core::ProspectBatch& batch,
                                                 core::Timestamp now);

}  // namespace touchpoint::engine
