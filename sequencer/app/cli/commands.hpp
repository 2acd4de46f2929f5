#pragma once
// The CLI's commands (DESIGN.md §7). Each returns the process's exit status.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "args.hpp"
#include "context.hpp"

namespace touchpoint::app {

struct Command {
  std::string name;     // one or two words: "tick", "sequence apply"
  std::string usage;    // the arguments after the name
  std::string summary;  // one line for `touchpoint --help`
  ArgSpec spec;
  int (*run)(Context&, const Args&);
};

// Every command, in the order --help lists them.
const std::vector<Command>& commands();

// The commands of each area (setup_commands.cpp, sequence_commands.cpp, ...).
void add_setup_commands(std::vector<Command>& out);
void add_sequence_commands(std::vector<Command>& out);
void add_prospect_commands(std::vector<Command>& out);
void add_engine_commands(std::vector<Command>& out);
void add_task_commands(std::vector<Command>& out);
void add_inbound_commands(std::vector<Command>& out);
void add_sync_commands(std::vector<Command>& out);  // sync salesforce
void add_serve_commands(std::vector<Command>& out);  // serve, token create

// Applies a sequence file's text: parse, check templates against known fields, store.
// Throws UsageError listing every error, one per line.
store::AppliedSequence apply_sequence_text(Context& ctx, const std::string& text,
                                           core::Timestamp now);

// Prints JSON, indented for lists and objects, then a line end.
void print_json(std::ostream& out, const nlohmann::ordered_json& value);

}  // namespace touchpoint::app
