#include "shell.hpp"

#include <cstdio>

#include <catch2/catch.hpp>

namespace touchpoint::testing {

std::string touchpoint_bin() { return std::string("'") + TOUCHPOINT_BIN + "'"; }

std::string run_shell(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  while (auto n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  int status = ::pclose(pipe);
  INFO(command << "\n" << out);
  REQUIRE(status == 0);
  return out;
}

}  // namespace touchpoint::testing
