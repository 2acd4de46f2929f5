#pragma once
// The configuration file (DESIGN.md §7). Keys may grow; unknown ones are kept for the
// components that will read them.

#include <filesystem>
#include <optional>
#include <string>

#include <touchpoint/core/result.hpp>

namespace touchpoint::app {

struct Config {
  std::string public_url;  // for unsubscribe links and tracking
  std::string listen = "127.0.0.1:8080";
  std::filesystem::path outbox;  // where the folder transport writes; empty: beside the db
};

// Reads `path`. Errors name the key.
core::Result<Config> load_config(const std::filesystem::path& path);

}  // namespace touchpoint::app
