// GET /api/v1/tasks/{id}/compose: a manual email task opened in the rep's mail client.
#include <touchpoint/compose/compose.hpp>

#include "internal.hpp"

namespace touchpoint::bridge {

using namespace detail;

Json Service::compose(core::TaskId id, const Query& query, core::Timestamp now) {
  auto name = query_value(query, "client").value_or("");
  auto client = compose::parse_client(name);
  if (!client)
    bad_field("client", "'" + name + "' is not one of gmail, outlook, outlook_live, mailto");
  auto task = store_.tasks().get(id);
  if (!task) not_found("id", "no task with id " + std::to_string(id.value));
  auto owner = store_.users().get(task->owner);
  // Manual emails are not threaded today (manual and thread_previous are both send modes),
  // so the draft is a new message.
  auto input = require(compose::input_from_task(*task, std::nullopt, owner ? owner->name : "", now));
  return compose::to_json(require(compose::compose_for(input, *client)));
}

}  // namespace touchpoint::bridge
