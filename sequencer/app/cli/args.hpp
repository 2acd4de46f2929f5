#pragma once
// Command-line arguments: positionals, `--name value` / `--name=value` options and flags.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <touchpoint/core/result.hpp>

namespace touchpoint::app {

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;
  std::set<std::string> flags;

  std::optional<std::string> option(const std::string& name) const;
  bool flag(const std::string& name) const { return flags.contains(name); }
};

struct ArgSpec {
  std::set<std::string> options;  // take a value
  std::set<std::string> flags;    // take none
};

// Parses argv[first..]. An option or flag not in `spec` is an error naming it.
core::Result<Args> parse_args(const std::vector<std::string>& argv, std::size_t first,
                              const ArgSpec& spec);

}  // namespace touchpoint::app
