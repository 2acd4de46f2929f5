// init, demo, user add, user list.
#include <nlohmann/json.hpp>

#include <touchpoint/engine/engine.hpp>
#include <touchpoint/engine/engine_lock.hpp>
#include <touchpoint/engine/enroller.hpp>
#include <touchpoint/engine/prospect_intake.hpp>

#include "commands.hpp"
#include "demo_data.hpp"
#include "table.hpp"

namespace touchpoint::app {
namespace {

int run_init(Context& ctx, const Args&) {
  ctx.store();
  ctx.out << "Database ready: " << ctx.db_path.string() << '\n';
  return 0;
}

core::User add_user(Context& ctx, const core::User& user, core::Timestamp now) {
  if (!core::is_valid_email(user.email))
    throw UsageError("--email: '" + user.email + "' is not a valid email address");
  if (user.name.empty()) throw UsageError("--name: is required");
  if (!core::find_zone(user.timezone))
    throw UsageError("--timezone: '" + user.timezone +
                     "' is not a time zone the tz database knows");
  return require(ctx.store().users().add(user, now));
}

int run_user_add(Context& ctx, const Args& args) {
  core::User user;
  user.email = args.option("email").value_or("");
  user.name = args.option("name").value_or("");
  user.timezone = args.option("timezone").value_or("UTC");
  auto added = add_user(ctx, user, ctx.now(args));
  if (args.flag("json"))
    print_json(ctx.out, {{"id", added.id.value},
                         {"email", added.email},
                         {"name", added.name},
                         {"timezone", added.timezone}});
  else
    ctx.out << "Added " << added.name << " <" << added.email << "> (" << added.timezone << "), id "
            << added.id.value << '\n';
  return 0;
}

int run_user_list(Context& ctx, const Args& args) {
  auto users = ctx.store().users().list();
  if (args.flag("json")) {
    auto list = nlohmann::ordered_json::array();
    for (const auto& u : users)
      list.push_back(
          {{"id", u.id.value}, {"email", u.email}, {"name", u.name}, {"timezone", u.timezone}});
    print_json(ctx.out, list);
    return 0;
  }
  Table table({"ID", "EMAIL", "NAME", "TIMEZONE"});
  for (const auto& u : users) table.add({std::to_string(u.id.value), u.email, u.name, u.timezone});
  table.print(ctx.out);
  return 0;
}

// The last Monday 07:00 UTC at or before `now`: a demo start that leaves a few days of work due.
core::Timestamp last_monday_morning(core::Timestamp now) {
  auto day = date::floor<date::days>(now);
  auto since_monday = date::weekday{day} - date::Monday;
  core::Timestamp start = day - since_monday + std::chrono::hours{7};
  return start <= now ? start : start - date::days{7};
}

// Loads the demo: three reps, the sample prospects, the all-modes sequence, everybody
// enrolled at `--start` (default: the last Monday 07:00 UTC, so the queue has work), and one
// tick at now. Running it twice changes nothing.
int run_demo(Context& ctx, const Args& args) {
  auto now = ctx.now(args);
  auto start = args.option("start") ? parse_instant_arg("--start", *args.option("start"))
                                    : last_monday_morning(now);
  auto& store = ctx.store();

  auto reps = nlohmann::json::parse(demo_file("reps.json"));
  std::set<std::string> owners;
  for (const auto& rep : reps) {
    core::User u{{},
                 rep.at("email").get<std::string>(),
                 rep.at("name").get<std::string>(),
                 rep.at("timezone").get<std::string>()};
    owners.insert(u.email);
    if (!store.users().find(u.email)) add_user(ctx, u, now);
  }

  auto batch = require(engine::read_prospects_csv(store, demo_file("prospects.csv")));
  auto imported = require(engine::import_prospects(store, batch, now));
  auto applied = apply_sequence_text(ctx, std::string(demo_file("sequence.json")), now);
  auto sequence = *store.sequences().find(std::to_string(applied.id.value));

  engine::EnrollOptions options;
  options.start = start;
  auto enrolled = require(engine::enroll(store, sequence, imported.prospects, options));

  engine::EngineLock lock(ctx.db_path);
  auto transport = ctx.transport();
  engine::Engine engine(store, transport.get(), ctx.engine_config());
  engine.recover(now);
  auto report = engine.tick(now);

  ctx.out << "Demo loaded into " << ctx.db_path.string() << ":\n"
          << "  reps:        " << owners.size() << '\n'
          << "  prospects:   " << imported.summary.inserted << " new, " << imported.summary.updated
          << " updated, " << batch.errors.size()
          << " rows skipped (the sample has one bad row on purpose)\n"
          << "  sequence:    '" << sequence.name << "' (id " << sequence.id.value << ", version "
          << sequence.version << ")\n"
          << "  enrolled:    " << enrolled.enrolled << " (" << enrolled.already_active.size()
          << " already active)\n"
          << "  first tick:  " << report.messages_queued << " emails queued, " << report.sent
          << " sent to " << ctx.mail_destination() << ", " << report.tasks_opened
          << " tasks opened\n";
  return 0;
}

}  // namespace

void add_setup_commands(std::vector<Command>& out) {
  out.push_back({"init", "", "create the database (or migrate it) and exit", {}, run_init});
  out.push_back({"demo",
                 "[--start ISO8601]",
                 "load demo reps, prospects and a sequence, enroll everyone and run one tick",
                 {{"start", "now"}, {}},
                 run_demo});
  out.push_back({"user add",
                 "--email EMAIL --name NAME --timezone ZONE [--json]",
                 "add a rep",
                 {{"email", "name", "timezone", "now"}, {"json"}},
                 run_user_add});
  out.push_back({"user list", "[--json]", "list reps", {{}, {"json"}}, run_user_list});
}

}  // namespace touchpoint::app
