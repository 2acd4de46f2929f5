#include "cli.hpp"

#include <filesystem>

#include "commands.hpp"

namespace touchpoint::app {
namespace {

void print_help(std::ostream& out) {
  out << "usage: touchpoint [--db PATH] [--config FILE] COMMAND [ARGS]\n\n"
         "Touchpoint, the self-hosted sales-engagement sequencer.\n"
         "The database defaults to ./touchpoint.db; the configuration to ./touchpoint.json when "
         "present.\n--now ISO8601 or TOUCHPOINT_NOW fixes the clock for any "
         "command.\n\nCommands:\n";
  for (const auto& c : commands()) {
    out << "  " << c.name << (c.usage.empty() ? "" : " " + c.usage) << "\n      " << c.summary
        << '\n';
  }
}

// The command whose name starts argv[i...]; a two-word name wins over a one-word one
// ("enrollments move" over "enrollments"). nullptr when none.
const Command* match(const std::vector<std::string>& argv, std::size_t i, std::size_t& words) {
  const Command* found = nullptr;
  for (const auto& c : commands()) {
    auto space = c.name.find(' ');
    if (space == std::string::npos) {
      if (argv[i] == c.name && !found) found = &c, words = 1;
    } else if (i + 1 < argv.size() && argv[i] == c.name.substr(0, space) &&
               argv[i + 1] == c.name.substr(space + 1)) {
      words = 2;
      return &c;
    }
  }
  return found;
}

}  // namespace

int run_cli(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  Context ctx{out, err};
  try {
    std::size_t i = 1;
    std::optional<std::filesystem::path> config_path;
    // Global options come before the command.
    for (; i < argv.size() && argv[i].rfind("--", 0) == 0; ++i) {
      const auto& a = argv[i];
      if (a == "--help" || a == "-h") {
        print_help(ctx.out);
        return 0;
      }
      if ((a == "--db" || a == "--config") && i + 1 < argv.size()) {
        (a == "--db" ? ctx.db_path : config_path.emplace()) = argv[++i];
      } else if (a.rfind("--db=", 0) == 0) {
        ctx.db_path = a.substr(5);
      } else if (a.rfind("--config=", 0) == 0) {
        config_path = a.substr(9);
      } else {
        throw UsageError("unknown option " + a + " (global options: --db PATH, --config FILE)");
      }
    }
    if (i >= argv.size()) {
      print_help(ctx.err);
      return 2;
    }
    if (!config_path && std::filesystem::exists("touchpoint.json")) config_path = "touchpoint.json";
    if (config_path) ctx.config = require(load_config(*config_path));

    std::size_t words = 0;
    const Command* command = match(argv, i, words);
    if (!command) throw UsageError("unknown command '" + argv[i] + "'; see touchpoint --help");
    auto args = require(parse_args(argv, i + words, command->spec));
    return command->run(ctx, args);
  } catch (const UsageError& e) {
    ctx.err << "error: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    // Infrastructure faults (database, disk): the transaction in flight was rolled back.
    ctx.err << "error: " << e.what() << '\n';
    return 3;
  }
}

}  // namespace touchpoint::app
