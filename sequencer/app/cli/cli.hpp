#pragma once
// The touchpoint command line: global options, then a command.

#include <iostream>
#include <string>
#include <vector>

namespace touchpoint::app {

// Runs the CLI on argv; returns the exit status: 0 on success, 1 when the command did its work
// but reports problems, 2 on bad input, 3 on an infrastructure fault (database, disk).
// Output for people or machines goes to `out`, errors and progress to `err`.
int run_cli(const std::vector<std::string>& argv, std::ostream& out = std::cout,
            std::ostream& err = std::cerr);

}  // namespace touchpoint::app
