#pragma once
// The real touchpoint program run through the shell, for the Salesforce tests that fill their
// database with it.

#include <string>

namespace touchpoint::testing {

// The built touchpoint program, quoted for a shell command.
std::string touchpoint_bin();

// Runs `command` with the shell and returns what it printed on stdout; fails the test (with
// the command and its output) unless it exits 0.
std::string run_shell(const std::string& command);

}  // namespace touchpoint::testing
