// tasks, task complete|skip|snooze|reassign.
#include <touchpoint/engine/task_actions.hpp>

#include "commands.hpp"
#include "table.hpp"

namespace touchpoint::app {
namespace {

nlohmann::ordered_json task_json(const core::Task& t, const std::optional<core::TaskView>& view) {
  nlohmann::ordered_json o;
  o["id"] = t.id.value;
  o["type"] = core::to_string(t.type);
  o["state"] = core::to_string(t.state);
  o["due_date"] = core::format_date(date::year_month_day{t.due_date});
  o["due_at"] = core::format_utc(t.due_at);
  o["view"] = view ? nlohmann::ordered_json(core::to_string(*view)) : nullptr;
  o["prospect"] = t.prospect_email;
  o["prospect_name"] = t.prospect_name;
  o["owner"] = t.owner_email;
  o["sequence"] = t.sequence_name;
  o["position"] = t.position;
  o["title"] = t.title;
  o["note"] = t.note;
  if (t.type == core::StepType::email) {
    o["subject"] = t.subject;
    o["body"] = t.body;
  }
  o["snoozed_until"] =
      t.snoozed_until ? nlohmann::ordered_json(core::format_utc(*t.snoozed_until)) : nullptr;
  o["outcome"] = t.outcome;
  o["notes"] = t.notes;
  o["closed_at"] = t.closed_at ? nlohmann::ordered_json(core::format_utc(*t.closed_at)) : nullptr;
  return o;
}

int run_tasks(Context& ctx, const Args& args) {
  auto& store = ctx.store();
  store::TaskFilter filter;
  if (auto owner = args.option("owner")) {
    auto user = store.users().find(*owner);
    if (!user) throw UsageError("--owner: no user '" + *owner + "'");
    filter.owner = user->id;
  }
  if (auto type = args.option("type")) {
    filter.type = core::parse_step_type(*type);
    if (!filter.type)
      throw UsageError("--type: '" + *type + "' is not one of email, call, task, linkedin");
  }
  if (auto state = args.option("state")) {
    if (*state == "all")
      filter.state.reset();
    else if (!(filter.state = core::parse_task_state(*state)))
      throw UsageError("--state: '" + *state + "' is not one of open, completed, skipped, all");
  }
  std::optional<core::TaskView> wanted;
  if (auto view = args.option("view")) {
    wanted = core::parse_task_view(*view);
    if (!wanted) throw UsageError("--view: '" + *view + "' is not one of overdue, today, upcoming");
  }
  auto now = ctx.now(args);
  // Views are in the owner's zone: "today" is the rep's today.
  std::map<std::int64_t, const date::time_zone*> zones;
  for (const auto& u : store.users().list()) {
    auto zone = core::find_zone(u.timezone);
    zones[u.id.value] = zone ? zone : core::find_zone("UTC");
  }
  std::vector<std::pair<core::Task, std::optional<core::TaskView>>> rows;
  for (auto& t : store.tasks().list(filter)) {
    std::optional<core::TaskView> view;
    if (t.state == core::TaskState::open) {
      auto zone = zones.count(t.owner.value) ? zones[t.owner.value] : core::find_zone("UTC");
      view = core::classify(t, now, *zone);
    }
    if (wanted && view != wanted) continue;
    rows.emplace_back(std::move(t), view);
  }

  if (args.flag("json")) {
    auto list = nlohmann::ordered_json::array();
    for (const auto& [t, view] : rows) list.push_back(task_json(t, view));
    print_json(ctx.out, list);
    return 0;
  }
  Table table({"ID", "DUE", "VIEW", "TYPE", "TITLE", "OWNER", "STATE"});
  for (const auto& [t, view] : rows)
    table.add({std::to_string(t.id.value), core::format_date(date::year_month_day{t.due_date}),
               view ? core::to_string(*view) : "", core::to_string(t.type), t.title, t.owner_email,
               core::to_string(t.state)});
  args.flag("csv") ? table.print_csv(ctx.out) : table.print(ctx.out);
  return 0;
}

core::TaskId task_id(const Args& args) {
  if (args.positional.size() != 1) throw UsageError("give one task id");
  try {
    std::size_t used = 0;
    auto id = std::stoll(args.positional[0], &used);
    if (used == args.positional[0].size() && id > 0) return core::TaskId{id};
  } catch (const std::exception&) {
  }
  throw UsageError("'" + args.positional[0] + "' is not a task id");
}

int print_task(Context& ctx, const Args& args, const core::Task& task, const char* what) {
  if (args.flag("json"))
    print_json(ctx.out, task_json(task, std::nullopt));
  else
    ctx.out << "Task " << task.id.value << " " << what << ": " << task.title << '\n';
  return 0;
}

int close(Context& ctx, const Args& args, core::TaskState state) {
  store::TaskClosure closure;
  closure.state = state;
  closure.outcome = args.option("outcome").value_or("");
  closure.notes = args.option("notes").value_or("");
  closure.sent_message_id = args.option("message-id").value_or("");
  closure.at = ctx.now(args);
  auto task = require(engine::close_task(ctx.store(), task_id(args), closure));
  return print_task(ctx, args, task, state == core::TaskState::completed ? "completed" : "skipped");
}

int run_complete(Context& ctx, const Args& args) {
  return close(ctx, args, core::TaskState::completed);
}
int run_skip(Context& ctx, const Args& args) {
  return close(ctx, args, core::TaskState::skipped);
}

int run_snooze(Context& ctx, const Args& args) {
  auto until = args.option("until");
  if (!until) throw UsageError("usage: touchpoint task snooze ID --until ISO8601");
  auto task = require(ctx.store().tasks().snooze(
      task_id(args), parse_instant_arg("--until", *until), ctx.now(args)));
  return print_task(ctx, args, task, "snoozed");
}

int run_reassign(Context& ctx, const Args& args) {
  auto owner = args.option("owner");
  if (!owner) throw UsageError("usage: touchpoint task reassign ID --owner EMAIL");
  auto user = ctx.store().users().find(*owner);
  if (!user) throw UsageError("--owner: no user '" + *owner + "'");
  auto task = require(ctx.store().tasks().reassign(task_id(args), user->id, ctx.now(args)));
  return print_task(ctx, args, task, ("reassigned to " + user->email).c_str());
}

}  // namespace

void add_task_commands(std::vector<Command>& out) {
  out.push_back({"tasks",
                 "[--owner EMAIL] [--type T] [--view overdue|today|upcoming] [--state "
                 "open|completed|skipped|all] [--json|--csv]",
                 "the task queue (open tasks by default)",
                 {{"owner", "type", "view", "state", "now"}, {"json", "csv"}},
                 run_tasks});
  out.push_back({"task complete",
                 "ID [--outcome TEXT] [--notes TEXT] [--message-id ID] [--json]",
                 "complete a task; later steps move if it is late (rule 8)",
                 {{"outcome", "notes", "message-id", "now"}, {"json"}},
                 run_complete});
  out.push_back({"task skip",
                 "ID [--notes TEXT] [--json]",
                 "skip a task",
                 {{"notes", "now"}, {"json"}},
                 run_skip});
  out.push_back({"task snooze",
                 "ID --until ISO8601 [--json]",
                 "hide a task until an instant",
                 {{"until", "now"}, {"json"}},
                 run_snooze});
  out.push_back({"task reassign",
                 "ID --owner EMAIL [--json]",
                 "give a task to another rep",
                 {{"owner", "now"}, {"json"}},
                 run_reassign});
}

}  // namespace touchpoint::app
