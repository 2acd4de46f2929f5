// GET /api/v1/sync/salesforce: how the last push and pull went, and what waits in the outbox.
#include "internal.hpp"

namespace touchpoint::bridge {

namespace {

// A state value the sync stores as JSON text; null when absent or unreadable.
Json json_state(store::SalesforceRepository& repo, const std::string& key) {
  auto text = repo.state(key);
  if (!text) return nullptr;
  auto value = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  return value.is_discarded() ? Json(nullptr) : value;
}

}  // namespace

Json Service::salesforce_status() {
  auto& repo = store_.salesforce();
  auto error = repo.state("last_error");
  auto counts = repo.counts();
  Json failures = Json::array();
  for (const auto& row : repo.failures(20))
    failures.push_back({{"external_id", row.external_id},
                        {"attempts", row.attempts},
                        {"last_error", row.last_error}});
  return Json{
      {"last_push", json_state(repo, "last_push")},
      {"last_pull", json_state(repo, "last_pull")},
      {"last_error", error ? Json(*error) : Json(nullptr)},
      {"schedule", json_state(repo, "schedule")},  // serve's interval and its last run
      {"outbox", {{"pending", counts.pending}, {"done", counts.done}, {"failed", counts.failed}}},
      {"failures", std::move(failures)}};
}

}  // namespace touchpoint::bridge
