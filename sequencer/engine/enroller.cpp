#include <touchpoint/engine/enroller.hpp>

#include <touchpoint/core/schedule.hpp>

namespace touchpoint::engine {

core::Result<EnrollResult> enroll(store::Store& store, const store::SequenceSummary& sequence,
                                  const std::vector<core::Prospect>& prospects,
                                  const EnrollOptions& options) {
  auto seq = store.sequences().load_version(sequence.version_id);
  if (!seq) return core::fail(core::ErrorCode::not_found, "sequence version is missing");

  EnrollResult result;
  std::vector<store::EnrollmentRequest> requests;
  requests.reserve(prospects.size());
  std::optional<core::User> override_owner;
  if (options.owner) override_owner = store.users().get(*options.owner);
  std::unordered_map<std::string, std::optional<core::User>> owners;  // by email

  for (const auto& p : prospects) {
    std::optional<core::User> owner = override_owner;
    if (!owner && !p.owner_email.empty()) {
      auto it = owners.find(p.owner_email);
      if (it == owners.end()) it = owners.emplace(p.owner_email, store.users().find(p.owner_email)).first;
      owner = it->second;
    }
    if (!owner) {
      result.errors.push_back(p.email + ": has no owner; pass --owner or set the owner column");
      continue;
    }
    auto zone = core::resolve_zone(*seq, p.timezone, owner->timezone);
    auto plan = core::plan_schedule(*seq, zone, options.start);
    store::EnrollmentRequest r{p.id, owner->id, options.start, zone.name, {}};
    r.due.reserve(plan.steps.size());
    for (const auto& s : plan.steps) r.due.push_back(s.due_at);
    requests.push_back(std::move(r));
  }

  auto now = options.start;
  auto stored = store.enrollments().enroll(
      sequence.id, sequence.version_id, requests, now, 5000,
      [&](std::size_t done) {
        if (options.progress) options.progress(done, requests.size());
      });
  if (!stored) return tl::unexpected(stored.error());
  result.enrolled = stored->enrolled;
  std::unordered_map<std::int64_t, std::string> emails;
  for (const auto& p : prospects) emails[p.id.value] = p.email;
  for (auto id : stored->already_active) result.already_active.push_back(emails[id.value]);
  return result;
}

}  // namespace touchpoint::engine
