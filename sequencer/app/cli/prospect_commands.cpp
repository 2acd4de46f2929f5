// prospects import, prospects list, enroll, enrollments, enrollment pause|resume|exit.
#include <touchpoint/engine/enroller.hpp>
#include <touchpoint/engine/prospect_intake.hpp>
#include <touchpoint/engine/versions.hpp>

#include "commands.hpp"
#include "table.hpp"

namespace touchpoint::app {
namespace {

int run_import(Context& ctx, const Args& args) {
  if (args.positional.size() != 1) throw UsageError("usage: touchpoint prospects import FILE.csv");
  auto batch = read_prospects_file(ctx.store(), args.positional[0]);
  report_row_errors(ctx.err, batch);
  auto summary =
      require(ctx.store().prospects().import(batch.prospects, batch.custom_columns, ctx.now(args)));
  if (args.flag("json")) {
    auto skipped = nlohmann::ordered_json::array();
    for (const auto& e : batch.errors)
      skipped.push_back({{"line", e.line}, {"email", e.email}, {"error", e.message}});
    print_json(
        ctx.out,
        {{"inserted", summary.inserted}, {"updated", summary.updated}, {"skipped", skipped}});
  } else {
    ctx.out << "Imported " << batch.prospects.size() << " prospects: " << summary.inserted
            << " new, " << summary.updated << " updated; " << batch.errors.size()
            << " rows skipped\n";
  }
  return 0;
}

int run_list(Context& ctx, const Args& args) {
  store::ProspectFilter filter;
  if (auto owner = args.option("owner")) {
    auto user = ctx.store().users().find(*owner);
    if (!user) throw UsageError("--owner: no user '" + *owner + "'");
    filter.owner = user->id;
  }
  auto prospects = ctx.store().prospects().list(filter);
  if (args.flag("json")) {
    auto list = nlohmann::ordered_json::array();
    for (const auto& p : prospects) {
      nlohmann::ordered_json o{{"id", p.id.value},           {"email", p.email},
                               {"first_name", p.first_name}, {"last_name", p.last_name},
                               {"company", p.company},       {"title", p.title},
                               {"phone", p.phone},           {"timezone", p.timezone},
                               {"owner", p.owner_email},     {"salesforce_id", p.salesforce_id}};
      o["custom"] = nlohmann::ordered_json::object();
      for (const auto& [k, v] : p.custom) o["custom"][k] = v;
      list.push_back(std::move(o));
    }
    print_json(ctx.out, list);
    return 0;
  }
  Table table({"ID", "EMAIL", "NAME", "COMPANY", "TIMEZONE", "OWNER"});
  for (const auto& p : prospects)
    table.add({std::to_string(p.id.value), p.email, p.first_name + " " + p.last_name, p.company,
               p.timezone, p.owner_email});
  args.flag("csv") ? table.print_csv(ctx.out) : table.print(ctx.out);
  return 0;
}

store::SequenceSummary find_sequence(Context& ctx, const std::string& id_or_name) {
  auto sequence = ctx.store().sequences().find(id_or_name);
  if (!sequence) throw UsageError("--sequence: no sequence with id or name '" + id_or_name + "'");
  return *sequence;
}

int run_enroll(Context& ctx, const Args& args) {
  auto sequence_arg = args.option("sequence");
  auto prospects_arg = args.option("prospects");
  if (!sequence_arg || !prospects_arg)
    throw UsageError(
        "usage: touchpoint enroll --sequence ID|NAME --prospects all|FILE.csv "
        "[--owner EMAIL] [--start ISO8601]");
  auto& store = ctx.store();
  auto sequence = find_sequence(ctx, *sequence_arg);
  auto now = ctx.now(args);

  engine::EnrollOptions options;
  options.start = args.option("start") ? parse_instant_arg("--start", *args.option("start")) : now;
  if (auto owner = args.option("owner")) {
    auto user = store.users().find(*owner);
    if (!user) throw UsageError("--owner: no user '" + *owner + "'");
    options.owner = user->id;
  }

  std::vector<core::Prospect> prospects;
  if (*prospects_arg == "all") {
    prospects = store.prospects().list({});
  } else {
    // A file's rows are imported (upserted by email) first, then enrolled.
    auto batch = read_prospects_file(store, *prospects_arg);
    report_row_errors(ctx.err, batch);
    prospects = require(engine::import_prospects(store, batch, now)).prospects;
  }
  bool show_progress = prospects.size() >= 10000;
  options.progress = [&](std::size_t done, std::size_t total) {
    if (show_progress) ctx.err << "\renrolled " << done << " of " << total << std::flush;
  };
  auto result = require(engine::enroll(store, sequence, prospects, options));
  if (show_progress) ctx.err << '\n';
  for (const auto& e : result.errors) ctx.err << "skipped " << e << '\n';

  if (args.flag("json")) {
    print_json(ctx.out, {{"sequence", sequence.id.value},
                         {"version", sequence.version},
                         {"enrolled", result.enrolled},
                         {"already_active", result.already_active},
                         {"errors", result.errors}});
  } else {
    ctx.out << "Enrolled " << result.enrolled << " prospects in '" << sequence.name << "' (version "
            << sequence.version << ", starting " << core::format_utc(options.start) << "); "
            << result.already_active.size() << " already active, " << result.errors.size()
            << " skipped\n";
  }
  return result.errors.empty() ? 0 : 1;
}

int run_enrollments(Context& ctx, const Args& args) {
  store::EnrollmentFilter filter;
  if (auto s = args.option("sequence")) filter.sequence = find_sequence(ctx, *s).id;
  auto enrollments = ctx.store().enrollments().list(filter);
  auto prospects = ctx.store().prospects().list({});
  std::map<std::int64_t, std::string> emails;
  for (const auto& p : prospects) emails[p.id.value] = p.email;
  if (args.flag("json")) {
    auto list = nlohmann::ordered_json::array();
    for (const auto& e : enrollments)
      list.push_back(
          {{"id", e.id.value},
           {"sequence", e.sequence.value},
           {"prospect", emails[e.prospect.value]},
           {"state", core::to_string(e.state)},
           {"exit_cause",
            e.exit_cause ? nlohmann::ordered_json(core::to_string(*e.exit_cause)) : nullptr},
           {"paused_until",
            e.paused_until ? nlohmann::ordered_json(core::format_utc(*e.paused_until)) : nullptr},
           {"start", core::format_utc(e.start)},
           {"zone", e.zone}});
    print_json(ctx.out, list);
    return 0;
  }
  Table table({"ID", "SEQUENCE", "PROSPECT", "STATE", "ZONE", "START"});
  for (const auto& e : enrollments) {
    std::string state = core::to_string(e.state);
    if (e.exit_cause) state += " (" + std::string(core::to_string(*e.exit_cause)) + ")";
    if (e.paused_until) state += " until " + core::format_utc(*e.paused_until);
    table.add({std::to_string(e.id.value), std::to_string(e.sequence.value),
               emails[e.prospect.value], state, e.zone, core::format_utc(e.start)});
  }
  table.print(ctx.out);
  return 0;
}

core::EnrollmentId enrollment_id(const Args& args) {
  if (args.positional.size() != 1) throw UsageError("give one enrollment id");
  try {
    return core::EnrollmentId{std::stoll(args.positional[0])};
  } catch (const std::exception&) {
    throw UsageError("'" + args.positional[0] + "' is not an enrollment id");
  }
}

int print_enrollment(Context& ctx, const core::Enrollment& e) {
  ctx.out << "Enrollment " << e.id.value << " is " << core::to_string(e.state) << '\n';
  return 0;
}

int run_pause(Context& ctx, const Args& args) {
  std::optional<core::Timestamp> until;
  if (auto u = args.option("until")) until = parse_instant_arg("--until", *u);
  return print_enrollment(
      ctx, require(ctx.store().enrollments().pause(enrollment_id(args), until, ctx.now(args))));
}

int run_resume(Context& ctx, const Args& args) {
  return print_enrollment(
      ctx, require(ctx.store().enrollments().resume(enrollment_id(args), ctx.now(args))));
}

int run_exit(Context& ctx, const Args& args) {
  return print_enrollment(ctx, require(ctx.store().enrollments().exit(
                                   enrollment_id(args), core::ExitCause::manual, ctx.now(args))));
}

int run_move(Context& ctx, const Args& args) {
  auto sequence_arg = args.option("sequence");
  if (!sequence_arg)
    throw UsageError("usage: touchpoint enrollments move --sequence ID|NAME [--to-version N]");
  auto sequence = find_sequence(ctx, *sequence_arg);
  int number = sequence.version;
  if (auto v = args.option("to-version")) {
    try {
      number = std::stoi(*v);
    } catch (const std::exception&) {
      throw UsageError("--to-version: '" + *v + "' is not a version number");
    }
  }
  auto version = ctx.store().sequences().find_version(sequence.id, number);
  if (!version)
    throw UsageError("--to-version: '" + sequence.name + "' has no version " +
                     std::to_string(number));
  auto result = engine::move_enrollments(ctx.store(), sequence, *version, number, ctx.now(args));
  for (const auto& e : result.errors) ctx.err << "skipped " << e << '\n';
  if (args.flag("json"))
    print_json(ctx.out, {{"moved", result.moved}, {"version", number}, {"errors", result.errors}});
  else
    ctx.out << "Moved " << result.moved << " enrollments to version " << number << '\n';
  return result.errors.empty() ? 0 : 1;
}

}  // namespace

void add_prospect_commands(std::vector<Command>& out) {
  out.push_back(
      {"prospects import",
       "FILE.csv [--json]",
       "import prospects; rows upsert by email, bad rows are reported by line and skipped",
       {{"now"}, {"json"}},
       run_import});
  out.push_back({"prospects list",
                 "[--owner EMAIL] [--json|--csv]",
                 "list prospects",
                 {{"owner"}, {"json", "csv"}},
                 run_list});
  out.push_back(
      {"enroll",
       "--sequence ID|NAME --prospects all|FILE.csv [--owner EMAIL] [--start ISO8601] [--json]",
       "enroll prospects in a sequence's current version",
       {{"sequence", "prospects", "owner", "start", "now"}, {"json"}},
       run_enroll});
  out.push_back({"enrollments",
                 "[--sequence ID|NAME] [--json]",
                 "list enrollments",
                 {{"sequence"}, {"json"}},
                 run_enrollments});
  out.push_back({"enrollments move",
                 "--sequence ID|NAME [--to-version N] [--json]",
                 "move live enrollments to a version (default: the current one)",
                 {{"sequence", "to-version", "now"}, {"json"}},
                 run_move});
  out.push_back({"enrollment pause",
                 "ID [--until ISO8601]",
                 "pause an enrollment",
                 {{"until", "now"}, {}},
                 run_pause});
  out.push_back(
      {"enrollment resume", "ID", "resume a paused enrollment", {{"now"}, {}}, run_resume});
  out.push_back({"enrollment exit", "ID", "end an enrollment by hand", {{"now"}, {}}, run_exit});
}

}  // namespace touchpoint::app
