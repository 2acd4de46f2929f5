#include "args.hpp"

namespace touchpoint::app {

std::optional<std::string> Args::option(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second;
}

core::Result<Args> parse_args(const std::vector<std::string>& argv, std::size_t first,
                              const ArgSpec& spec) {
  Args args;
  for (std::size_t i = first; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() < 3 || a.rfind("--", 0) != 0) {
      args.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (spec.flags.contains(name)) {
      if (value) return core::fail(core::ErrorCode::invalid_input, "--" + name + " takes no value");
      args.flags.insert(name);
    } else if (spec.options.contains(name)) {
      if (!value) {
        if (i + 1 >= argv.size())
          return core::fail(core::ErrorCode::invalid_input, "--" + name + " needs a value");
        value = argv[++i];
      }
      args.options[name] = *value;
    } else {
      return core::fail(core::ErrorCode::invalid_input, "unknown option --" + name);
    }
  }
  return args;
}

}  // namespace touchpoint::app
