#include <malloc.h>

#include "cli/cli.hpp"

int main(int argc, char** argv) {
  // SQLite allocates and frees a 64 KiB statement journal per write that checks a foreign
  // key; with glibc's default trim threshold each free can hand the memory back to the kernel
  // and the next write faults it in again (measured: ~40% of a claim batch). Keep it.
  mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
  return touchpoint::app::run_cli(std::vector<std::string>(argv, argv + argc));
}
