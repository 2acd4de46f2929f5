#include <touchpoint/engine/enroller.hpp>

#include <unordered_map>
#include <unordered_set>

#include <touchpoint/core/schedule.hpp>

namespace touchpoint::engine {
namespace {

// Requests are planned and stored this many at a time (one transaction each), so a large
// enrollment holds one chunk of plans in memory, never all of them.
constexpr std::size_t kChunk = 5000;

}  // namespace

core::Result<EnrollResult> enroll(store::Store& store, const store::SequenceSummary& sequence,
                                  const std::vector<core::Prospect>& prospects,
                                  const EnrollOptions& options) {
  auto seq = store.sequences().load_version(sequence.version_id);
  if (!seq) return core::fail(core::ErrorCode::not_found, "sequence version is missing");

  EnrollResult result;
  std::optional<core::User> override_owner;
  if (options.owner) override_owner = store.users().get(*options.owner);
  std::unordered_map<std::string, std::optional<core::User>> owners;  // by email

  // Each prospect's owner, looked up once per distinct email; null when it has none.
  std::vector<const core::User*> owner_of(prospects.size(), nullptr);
  std::size_t total = 0;
  for (std::size_t i = 0; i < prospects.size(); ++i) {
    const auto& p = prospects[i];
    const core::User* owner = override_owner ? &*override_owner : nullptr;
    if (!owner && !p.owner_email.empty()) {
      auto it = owners.find(p.owner_email);
      if (it == owners.end())
        it = owners.emplace(p.owner_email, store.users().find(p.owner_email)).first;
      if (it->second) owner = &*it->second;
    }
    if (!owner) {
      result.errors.push_back(p.email + ": has no owner; pass --owner or set the owner column");
      continue;
    }
    owner_of[i] = owner;
    ++total;
  }

  // Rule 1 depends only on the two zone names: resolved once per distinct pair.
  std::unordered_map<std::string, std::unordered_map<std::string, core::ResolvedZone>> zones;
  auto zone_for = [&](const core::Prospect& p,
                      const core::User& owner) -> const core::ResolvedZone& {
    auto& by_owner = zones[p.timezone];
    auto it = by_owner.find(owner.timezone);
    if (it == by_owner.end())
      it = by_owner.emplace(owner.timezone, core::resolve_zone(*seq, p.timezone, owner.timezone))
               .first;
    return it->second;
  };

  const auto now = options.start;
  std::vector<store::EnrollmentRequest> requests;
  requests.reserve(std::min(total, kChunk));
  std::vector<core::ProspectId> already_active;
  std::size_t done = 0;
  auto flush = [&]() -> core::Result<void> {
    if (requests.empty()) return {};
    auto stored = store.enrollments().enroll(sequence.id, sequence.version_id, requests, now,
                                             kChunk, [&](std::size_t n) {
                                               if (options.progress)
                                                 options.progress(done + n, total);
                                             });
    if (!stored) return tl::unexpected(stored.error());
    result.enrolled += stored->enrolled;
    already_active.insert(already_active.end(), stored->already_active.begin(),
                          stored->already_active.end());
    done += requests.size();
    requests.clear();
    return {};
  };

  for (std::size_t i = 0; i < prospects.size(); ++i) {
    const core::User* owner = owner_of[i];
    if (!owner) continue;
    const auto& p = prospects[i];
    const auto& zone = zone_for(p, *owner);
    auto plan = core::plan_schedule(*seq, zone, options.start);
    store::EnrollmentRequest r{p.id, owner->id, options.start, zone.name, {}};
    r.due.reserve(plan.steps.size());
    for (const auto& s : plan.steps) r.due.push_back(s.due_at);
    requests.push_back(std::move(r));
    if (requests.size() == kChunk)
      if (auto flushed = flush(); !flushed) return tl::unexpected(flushed.error());
  }
  if (auto flushed = flush(); !flushed) return tl::unexpected(flushed.error());

  if (!already_active.empty()) {
    // Only the skipped prospects' emails are needed.
    std::unordered_set<std::int64_t> wanted;
    for (auto id : already_active) wanted.insert(id.value);
    std::unordered_map<std::int64_t, std::string> emails;
    for (const auto& p : prospects)
      if (wanted.contains(p.id.value)) emails[p.id.value] = p.email;
    for (auto id : already_active) result.already_active.push_back(emails[id.value]);
  }
  return result;
}

}  // namespace touchpoint::engine
