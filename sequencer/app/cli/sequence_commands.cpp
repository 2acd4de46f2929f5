// sequence apply, sequence list, schedule.
#include <touchpoint/core/csv.hpp>
#include <touchpoint/core/schedule.hpp>
#include <touchpoint/core/schedule_preview.hpp>
#include <touchpoint/core/sequence_parser.hpp>
#include <touchpoint/engine/sequence_files.hpp>

#include "commands.hpp"
#include "table.hpp"

namespace touchpoint::app {
namespace {

[[noreturn]] void reject(const std::vector<core::SequenceError>& errors) {
  std::string message = "the sequence has " + std::to_string(errors.size()) +
                        (errors.size() == 1 ? " error" : " errors") + " and was not applied:";
  for (const auto& e : errors) message += "\n  " + core::to_string(e);
  throw UsageError(message);
}

int run_apply(Context& ctx, const Args& args) {
  if (args.positional.size() != 1) throw UsageError("usage: touchpoint sequence apply FILE");
  auto applied = apply_sequence_text(ctx, read_file(args.positional[0]), ctx.now(args));
  if (args.flag("json")) {
    print_json(ctx.out, {{"id", applied.id.value}, {"version", applied.version}});
    return 0;
  }
  ctx.out << (applied.changed ? "Applied" : "Unchanged") << ": sequence " << applied.id.value
          << ", version " << applied.version << '\n';
  return 0;
}

int run_list(Context& ctx, const Args& args) {
  auto sequences = ctx.store().sequences().list();
  if (args.flag("json")) {
    auto list = nlohmann::ordered_json::array();
    for (const auto& s : sequences)
      list.push_back({{"id", s.id.value},
                      {"name", s.name},
                      {"version", s.version},
                      {"steps", s.steps},
                      {"active_enrollments", s.active_enrollments}});
    print_json(ctx.out, list);
    return 0;
  }
  Table table({"ID", "NAME", "VERSION", "STEPS", "ACTIVE"});
  for (const auto& s : sequences)
    table.add({std::to_string(s.id.value), s.name, std::to_string(s.version),
               std::to_string(s.steps), std::to_string(s.active_enrollments)});
  table.print(ctx.out);
  return 0;
}

// The preview of DESIGN.md §3.2. Touches no database: reads the files given, prints JSON.
int run_schedule(Context& ctx, const Args& args) {
  auto sequence_path = args.option("sequence");
  auto prospects_path = args.option("prospects");
  auto start_text = args.option("start");
  if (!sequence_path || !prospects_path || !start_text)
    throw UsageError(
        "usage: touchpoint schedule --sequence FILE --prospects FILE.csv --start ISO8601 "
        "[--owner-timezone ZONE]");
  auto start = parse_instant_arg("--start", *start_text);
  std::string owner_zone = args.option("owner-timezone").value_or("");
  if (!owner_zone.empty() && !core::find_zone(owner_zone))
    throw UsageError("--owner-timezone: '" + owner_zone +
                     "' is not a time zone the tz database knows");

  auto records = core::parse_csv(read_file(*prospects_path));
  if (!records) throw UsageError(*prospects_path + ": " + records.error().message);
  // Owners are not checked: the preview has no database of reps.
  auto batch = core::read_prospects(*records, {}, core::OwnerCheck::none);
  if (!batch) throw UsageError(*prospects_path + ": " + batch.error().message);
  report_row_errors(ctx.err, *batch);

  auto reading = core::read_sequence(read_file(*sequence_path));
  std::set<std::string> custom(batch->custom_columns.begin(), batch->custom_columns.end());
  if (auto errors = engine::sequence_errors(reading, custom); !errors.empty()) reject(errors);

  auto out = nlohmann::ordered_json::array();
  for (const auto& p : batch->prospects) {
    auto zone = core::resolve_zone(reading.sequence, p.timezone, owner_zone);
    out.push_back(core::preview_json(p.email, core::plan_schedule(reading.sequence, zone, start)));
  }
  print_json(ctx.out, out);
  return 0;
}

}  // namespace

store::AppliedSequence apply_sequence_text(Context& ctx, const std::string& text,
                                           core::Timestamp now) {
  auto applied = engine::apply_sequence_text(ctx.store(), text, now);
  if (!applied) reject(applied.error());
  return *applied;
}

void add_sequence_commands(std::vector<Command>& out) {
  out.push_back({"sequence apply",
                 "FILE [--json]",
                 "validate a sequence file and store it (a changed file makes a new version)",
                 {{"now"}, {"json"}},
                 run_apply});
  out.push_back({"sequence list", "[--json]", "list sequences", {{}, {"json"}}, run_list});
  out.push_back({"schedule",
                 "--sequence FILE --prospects FILE.csv --start ISO8601 [--owner-timezone ZONE]",
                 "preview every prospect's schedule as JSON, without a database",
                 {{"sequence", "prospects", "start", "owner-timezone"}, {}},
                 run_schedule});
}

}  // namespace touchpoint::app
