// Prospects: search, and a timeline per prospect.
#include "internal.hpp"

namespace touchpoint::bridge {

using namespace detail;

Json Service::search_prospects(const Query& query) {
  auto page = query_page(query);
  auto found = store_.activity().search_prospects(query_value(query, "q").value_or(""), page.limit,
                                                  page.offset);
  Json list = Json::array();
  for (auto id : found.prospects)
    if (auto p = store_.prospects().get(id)) list.push_back(prospect_json(*p));
  auto shown = list.size();
  return Json{{"prospects", std::move(list)},
              {"total", found.total},
              {"limit", page.limit},
              {"offset", page.offset},
              {"next_offset", next_offset(page, shown, found.total)}};
}

Json Service::prospect_timeline(core::ProspectId id) {
  auto prospect = store_.prospects().get(id);
  if (!prospect) not_found("id", "no prospect with id " + std::to_string(id.value));
  Lookups lookups(store_);
  Json enrollments = Json::array();
  Json tasks = Json::array();
  store::EnrollmentFilter filter;
  filter.prospect = id;
  for (const auto& e : store_.enrollments().list(filter)) {
    enrollments.push_back(enrollment_json(e, lookups));
    store::TaskFilter task_filter;
    task_filter.enrollment = e.id;
    task_filter.state.reset();
    for (const auto& t : store_.tasks().list(task_filter))
      tasks.push_back(task_json(t, lookups, std::nullopt));
  }
  Json events = Json::array();
  for (const auto& a : store_.activity().prospect_events(id)) events.push_back(activity_json(a));
  return Json{{"prospect", prospect_json(*prospect)},
              {"enrollments", std::move(enrollments)},
              {"events", std::move(events)},
              {"tasks", std::move(tasks)}};
}

}  // namespace touchpoint::bridge
