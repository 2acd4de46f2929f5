// The task queue: GET /api/v1/tasks, GET /api/v1/tasks/{id}, POST /api/v1/tasks/{id}/{action}.
#include <touchpoint/engine/task_actions.hpp>

#include "internal.hpp"

namespace touchpoint::bridge {

using namespace detail;

Json Service::list_tasks(const core::User& me, const Query& query, core::Timestamp now) {
  store::TaskFilter filter;
  auto owner = query_value(query, "owner").value_or("me");
  if (owner == "me")
    filter.owner = me.id;
  else if (owner != "all")
    filter.owner = rep_by_email(store_, "owner", owner).id;
  if (auto state = query_value(query, "state")) {
    if (*state == "all")
      filter.state.reset();
    else if (!(filter.state = core::parse_task_state(*state)))
      bad_field("state", "'" + *state + "' is not one of open, completed, skipped, all");
  }
  if (auto type = query_value(query, "type"))
    if (!(filter.type = core::parse_step_type(*type)))
      bad_field("type", "'" + *type + "' is not one of call, task, linkedin, email");
  std::optional<core::TaskView> wanted;
  if (auto view = query_value(query, "view"))
    if (!(wanted = core::parse_task_view(*view)))
      bad_field("view", "'" + *view + "' is not one of today, overdue, upcoming");
  auto page = query_page(query);

  // The database filters (the view too, in each owner's zone), counts and cuts the page;
  // only the page's tasks are read whole.
  store::TaskPageQuery wanted_page;
  wanted_page.filter = filter;
  wanted_page.filter.limit = page.limit;
  wanted_page.filter.offset = page.offset;
  wanted_page.view = wanted;
  wanted_page.now = now;
  auto found = store_.tasks().page(wanted_page);
  Json tasks = Json::array();
  tasks.get_ref<Json::array_t&>().reserve(found.tasks.size());
  for (const auto& t : found.tasks) tasks.push_back(task_json(t, now));
  auto shown = tasks.size();
  // Room first: growing an ordered_json object copies its fields, the whole page included.
  Json out = Json::object();
  out.get_ref<Json::object_t&>().reserve(5);
  out["tasks"] = std::move(tasks);
  out["total"] = found.total;
  out["limit"] = page.limit;
  out["offset"] = page.offset;
  out["next_offset"] = next_offset(page, shown, found.total);
  return out;
}

Json Service::get_task(core::TaskId id) {
  auto task = store_.tasks().get(id);
  if (!task) not_found("id", "no task with id " + std::to_string(id.value));
  Lookups lookups(store_);
  return Json{{"task", task_json(*task, lookups, std::nullopt)}};
}

Json Service::task_action(const core::User& /*me*/, core::TaskId id, std::string_view action,
                          const Json& body_in, core::Timestamp now) {
  const Json& body = body_object(body_in);
  core::Result<core::Task> done = core::fail(core::ErrorCode::not_found, "");
  if (action == "complete" || action == "skip") {
    store::TaskClosure closure;
    closure.state = action == "complete" ? core::TaskState::completed : core::TaskState::skipped;
    if (action == "complete") {
      closure.outcome = body_string(body, "outcome").value_or("");
      closure.sent_message_id = body_string(body, "sent_message_id").value_or("");
    }
    closure.notes = body_string(body, "notes").value_or("");
    closure.at = now;
    done = engine::close_task(store_, id, closure);
  } else if (action == "snooze") {
    auto until_text = body_string(body, "until");
    if (!until_text) bad_field("until", "is required: the instant the task comes back");
    auto until = parse_instant_field("until", *until_text);
    if (until <= now) bad_field("until", "'" + *until_text + "' is not in the future");
    done = store_.tasks().snooze(id, until, now);
  } else if (action == "reassign") {
    auto owner = body_string(body, "owner");
    if (!owner) bad_field("owner", "is required: the email of the rep to give the task to");
    done = store_.tasks().reassign(id, rep_by_email(store_, "owner", *owner).id, now);
  } else {
    throw ApiError(404, "not_found",
                   "no task action '" + std::string(action) +
                       "'; the actions are complete, skip, snooze and reassign");
  }
  Lookups lookups(store_);
  return Json{{"task", task_json(require(std::move(done)), lookups, now)}};
}

}  // namespace touchpoint::bridge
