// Pull: Leads and Contacts by SOQL on SystemModstamp (from the stored cursor minus an overlap
// window, so records committed late are not missed), following nextRecordsUrl, deduplicated by
// Id; then deletions through getDeleted.
#include <touchpoint/salesforce/sync.hpp>

#include <cstdio>
#include <map>

#include <touchpoint/core/ascii.hpp>

namespace touchpoint::salesforce {
namespace {

// "2026-03-02T08:15:00.000+0000" (Salesforce always answers in UTC).
std::optional<core::Timestamp> parse_stamp(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6)
    return std::nullopt;
  auto day = date::sys_days{date::year{y} / date::month{static_cast<unsigned>(mo)} /
                            date::day{static_cast<unsigned>(d)}};
  return core::Timestamp{day} + std::chrono::hours(h) + std::chrono::minutes(mi) +
         std::chrono::seconds(s);
}

std::string text_of(const nlohmann::json& record, const char* key) {
  auto it = record.find(key);
  return it != record.end() && it->is_string() ? it->get<std::string>() : std::string();
}

core::Timestamp stored_instant(store::SalesforceRepository& repo, const std::string& key,
                               core::Timestamp otherwise) {
  auto v = repo.state(key);
  if (!v) return otherwise;
  return core::Timestamp{std::chrono::seconds{std::stoll(*v)}};
}

}  // namespace

PullSummary pull(store::Store& store, Api& api, core::Timestamp now, bool dry_run) {
  auto& repo = store.salesforce();
  const auto& settings = api.settings();
  std::map<std::string, std::string> rep_of;  // Salesforce user id -> rep email
  for (const auto& [email, id] : settings.users) rep_of[id] = email;
  const auto overlap = std::chrono::seconds(settings.overlap_seconds);
  PullSummary s;

  for (const std::string type : {"Lead", "Contact"}) {
    const std::string company = type == "Lead" ? "Company" : "Account.Name";
    auto cursor = stored_instant(repo, "pull." + type, core::Timestamp{});
    auto since = cursor - overlap < core::Timestamp{} ? core::Timestamp{} : cursor - overlap;
    std::string soql = "SELECT Id, Email, FirstName, LastName, " + company +
                       ", Title, Phone, OwnerId, SystemModstamp FROM " + type +
                       " WHERE SystemModstamp >= " + core::format_utc(since) +
                       " ORDER BY SystemModstamp";
    std::string url = api.data_path() + "/query?q=" + http::url_encode(soql);
    // The newest version of each record: paging and the overlap window may repeat one.
    std::map<std::string, nlohmann::json> latest;
    auto newest = cursor;
    for (;;) {
      auto page = api.call("GET", url);
      ++s.pages;
      for (const auto& r : page.value("records", nlohmann::json::array())) {
        ++s.fetched;
        latest[text_of(r, "Id")] = r;
        if (auto stamp = parse_stamp(text_of(r, "SystemModstamp")); stamp && *stamp > newest)
          newest = *stamp;
      }
      if (page.value("done", true) || !page.contains("nextRecordsUrl")) break;
      url = page["nextRecordsUrl"].get<std::string>();
    }
    for (const auto& [id, r] : latest) {
      store::PulledProspect p;
      p.salesforce_id = id;
      p.email = core::lower_ascii(text_of(r, "Email"));
      p.first_name = text_of(r, "FirstName");
      p.last_name = text_of(r, "LastName");
      if (type == "Lead") {
        p.company = text_of(r, "Company");
      } else if (auto a = r.find("Account"); a != r.end() && a->is_object()) {
        p.company = text_of(*a, "Name");
      }
      p.title = text_of(r, "Title");
      p.phone = text_of(r, "Phone");
      if (auto owner = rep_of.find(text_of(r, "OwnerId")); owner != rep_of.end())
        p.owner_email = owner->second;
      if (dry_run) continue;
      switch (repo.upsert_prospect(p, now)) {
        case store::PullResult::inserted:
          ++s.inserted;
          break;
        case store::PullResult::updated:
          ++s.updated;
          break;
        case store::PullResult::unchanged:
          ++s.unchanged;
          break;
        case store::PullResult::skipped:
          ++s.skipped;
          break;
      }
    }
    if (!dry_run)
      repo.set_state("pull." + type, std::to_string(newest.time_since_epoch().count()), now);

    // Deletions: getDeleted covers at most the last 30 days.
    auto start = stored_instant(repo, "deleted." + type, now - std::chrono::hours(24 * 29));
    auto deleted = api.call("GET", api.data_path() + "/sobjects/" + type + "/deleted/?start=" +
                                       http::url_encode(core::format_utc(start)) +
                                       "&end=" + http::url_encode(core::format_utc(now)));
    for (const auto& d : deleted.value("deletedRecords", nlohmann::json::array()))
      if (!dry_run && repo.unlink_prospect(text_of(d, "id"), now)) ++s.deleted;
    if (!dry_run)
      repo.set_state("deleted." + type, std::to_string((now - overlap).time_since_epoch().count()),
                     now);
  }
  if (!dry_run && api.take_token_changed())
    if (auto t = api.token())
      repo.set_state(
          "token",
          nlohmann::json{{"access_token", t->access_token}, {"instance_url", t->instance_url}}
              .dump(),
          now);
  if (!dry_run)
    repo.set_state("last_pull",
                   nlohmann::json{{"at", core::format_utc(now)},
                                  {"inserted", s.inserted},
                                  {"updated", s.updated},
                                  {"deleted", s.deleted}}
                       .dump(),
                   now);
  return s;
}

}  // namespace touchpoint::salesforce
