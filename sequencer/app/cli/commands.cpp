#include "commands.hpp"

namespace touchpoint::app {

const std::vector<Command>& commands() {
  static const std::vector<Command> all = [] {
    std::vector<Command> out;
    add_setup_commands(out);
    add_sequence_commands(out);
    add_prospect_commands(out);
    add_engine_commands(out);
    add_task_commands(out);
    add_inbound_commands(out);
    add_sync_commands(out);
    add_serve_commands(out);
    return out;
  }();
  return all;
}

void print_json(std::ostream& out, const nlohmann::ordered_json& value) {
  out << value.dump(2) << '\n';
}

}  // namespace touchpoint::app
