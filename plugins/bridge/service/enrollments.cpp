// Enrollments: from prospect ids or a CSV upload; pause, resume, exit.
#include <unordered_map>

#include <touchpoint/engine/enroller.hpp>
#include <touchpoint/engine/prospect_intake.hpp>

#include "internal.hpp"

namespace touchpoint::bridge {

using namespace detail;

namespace {

// Prospect ids of the emails the enroller reports as already active.
Json ids_of(const std::vector<std::string>& emails, const std::vector<core::Prospect>& prospects) {
  std::unordered_map<std::string, std::int64_t> by_email;
  for (const auto& p : prospects) by_email[p.email] = p.id.value;
  Json ids = Json::array();
  for (const auto& e : emails) ids.push_back(by_email[e]);
  return ids;
}

// "line 7: no email" reads "no email" beside its line number.
std::string without_line_prefix(const std::string& message) {
  if (message.rfind("line ", 0) != 0) return message;
  auto colon = message.find(": ");
  return colon == std::string::npos ? message : message.substr(colon + 2);
}

// The sequence field of a JSON body: an id (number or text) or a name.
std::string sequence_field(const Json& body) {
  auto it = body.find("sequence");
  if (it == body.end() || it->is_null())
    bad_field("sequence", "is required: a sequence id or name");
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  if (!it->is_string()) bad_field("sequence", "must be a sequence id or name");
  return it->get<std::string>();
}

}  // namespace

Json Service::enroll(const core::User& me, const Json& body_in, core::Timestamp now) {
  const Json& body = body_object(body_in);
  auto sequence = sequence_by(store_, "sequence", sequence_field(body));

  auto ids = body.find("prospect_ids");
  if (ids == body.end() || !ids->is_array() || ids->empty())
    bad_field("prospect_ids", "must be a non-empty array of prospect ids");
  std::vector<core::Prospect> prospects;
  Json missing = Json::array();
  for (std::size_t i = 0; i < ids->size(); ++i) {
    const auto& id = (*ids)[i];
    if (!id.is_number_integer() || id.get<std::int64_t>() <= 0)
      bad_field("prospect_ids[" + std::to_string(i) + "]", "must be a prospect id");
    if (auto p = store_.prospects().get(core::ProspectId{id.get<std::int64_t>()}))
      prospects.push_back(std::move(*p));
    else
      missing.push_back(id);
  }
  if (!missing.empty())
    throw ApiError(404, "not_found", "no prospect with id " + missing.dump(),
                   Json{{"field", "prospect_ids"}, {"ids", missing}});

  engine::EnrollOptions options;
  options.owner = me.id;
  if (auto owner = body_string(body, "owner"))
    options.owner = rep_by_email(store_, "owner", *owner).id;
  options.start = now;
  if (auto start = body_string(body, "start")) options.start = parse_instant_field("start", *start);

  auto result = require(engine::enroll(store_, sequence, prospects, options));
  Json excluded = Json::array();
  for (const auto& e : result.errors) excluded.push_back(Json{{"message", e}});
  return Json{{"sequence", Json{{"id", sequence.id.value}, {"name", sequence.name}}},
              {"version", sequence.version},
              {"enrolled", result.enrolled},
              {"already_active", ids_of(result.already_active, prospects)},
              {"excluded", std::move(excluded)}};
}

Json Service::enroll_csv(const core::User& me, const Query& query, std::string_view csv,
                         core::Timestamp now) {
  auto sequence_name = query_value(query, "sequence");
  if (!sequence_name) bad_field("sequence", "is required: a sequence id or name");
  auto sequence = sequence_by(store_, "sequence", *sequence_name);
  engine::EnrollOptions options;
  if (auto owner = query_value(query, "owner"))
    options.owner = rep_by_email(store_, "owner", *owner).id;
  options.start = now;
  if (auto start = query_value(query, "start"))
    options.start = parse_instant_field("start", *start);

  auto read = engine::read_prospects_csv(store_, csv);
  if (!read)
    throw ApiError(422, "invalid", read.error().message,
                   Json::array({Json{{"message", read.error().message}}}));
  const auto& batch = *read;
  auto imported = require(engine::import_prospects(store_, batch, now));

  // Without ?owner=, each prospect goes to its own owner, and those without one to the rep
  // who uploads them (their stored owner is left as it is).
  engine::EnrollResult result;
  if (options.owner) {
    result = require(engine::enroll(store_, sequence, imported.prospects, options));
  } else {
    std::vector<core::Prospect> owned, unowned;
    for (const auto& p : imported.prospects) (p.owner_email.empty() ? unowned : owned).push_back(p);
    for (auto* group : {&owned, &unowned}) {
      if (group->empty()) continue;
      options.owner.reset();
      if (group == &unowned) options.owner = me.id;
      auto part = require(engine::enroll(store_, sequence, *group, options));
      result.enrolled += part.enrolled;
      result.already_active.insert(result.already_active.end(), part.already_active.begin(),
                                   part.already_active.end());
      result.errors.insert(result.errors.end(), part.errors.begin(), part.errors.end());
    }
  }

  Json errors = Json::array();
  for (const auto& e : batch.errors)
    errors.push_back(
        Json{{"line", e.line}, {"email", e.email}, {"message", without_line_prefix(e.message)}});
  for (const auto& e : result.errors) errors.push_back(Json{{"line", nullptr}, {"message", e}});
  return Json{{"sequence", Json{{"id", sequence.id.value}, {"name", sequence.name}}},
              {"version", sequence.version},
              {"imported", imported.summary.inserted},
              {"updated", imported.summary.updated},
              {"enrolled", result.enrolled},
              {"already_active", ids_of(result.already_active, imported.prospects)},
              {"errors", std::move(errors)}};
}

Json Service::enrollment_action(core::EnrollmentId id, std::string_view action, const Json& body_in,
                                core::Timestamp now) {
  const Json& body = body_object(body_in);
  core::Result<core::Enrollment> done = core::fail(core::ErrorCode::not_found, "");
  if (action == "pause") {
    std::optional<core::Timestamp> until;
    if (auto text = body_string(body, "until")) {
      until = parse_instant_field("until", *text);
      if (*until <= now) bad_field("until", "'" + *text + "' is not in the future");
    }
    done = store_.enrollments().pause(id, until, now);
  } else if (action == "resume") {
    done = store_.enrollments().resume(id, now);
  } else if (action == "exit") {
    auto cause_text = body_string(body, "cause").value_or("manual");
    auto cause = core::parse_exit_cause(cause_text);
    if (!cause)
      bad_field("cause", "'" + cause_text + "' is not one of manual, reply, bounce, unsubscribe");
    done = store_.enrollments().exit(id, *cause, now);
  } else {
    throw ApiError(404, "not_found",
                   "no enrollment action '" + std::string(action) +
                       "'; the actions are pause, resume and exit");
  }
  Lookups lookups(store_);
  return Json{{"enrollment", enrollment_json(require(std::move(done)), lookups)}};
}

}  // namespace touchpoint::bridge
