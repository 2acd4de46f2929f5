#include "cli/cli.hpp"

int main(int argc, char** argv) {
  return touchpoint::app::run_cli(std::vector<std::string>(argv, argv + argc));
}
