#include "config.hpp"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace touchpoint::app {

core::Result<Config> load_config(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return core::fail(core::ErrorCode::invalid_input, "cannot read config " + path.string());
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    return core::fail(core::ErrorCode::invalid_input, path.string() + ": " + e.what());
  }
  if (!doc.is_object())
    return core::fail(core::ErrorCode::invalid_input, path.string() + ": must be an object");
  Config config;
  auto text = [&](const char* key, auto& target) -> std::optional<core::Error> {
    auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) return std::nullopt;
    if (!it->is_string())
      return core::Error{core::ErrorCode::invalid_input,
                         path.string() + ": " + key + " must be a string"};
    target = it->template get<std::string>();
    return std::nullopt;
  };
  if (auto e = text("public_url", config.public_url)) return tl::unexpected(*e);
  if (auto e = text("listen", config.listen)) return tl::unexpected(*e);
  std::string outbox;
  if (auto e = text("outbox", outbox)) return tl::unexpected(*e);
  if (!outbox.empty()) config.outbox = outbox;
  return config;
}

}  // namespace touchpoint::app
