// The OpenAPI file describes every route the server has.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <set>

#include <touchpoint/bridge/server.hpp>

namespace {

// path -> methods, read from the file's `paths:` block: a path is a key indented two spaces
// and starting with '/', a method a key indented four spaces (the layout openapi.yaml keeps).
std::map<std::string, std::set<std::string>> documented(const std::string& file) {
  std::ifstream in(file);
  REQUIRE(in);
  std::map<std::string, std::set<std::string>> out;
  std::string line, path;
  bool in_paths = false;
  static const std::regex path_key("^  (/[^:]*):\\s*$");
  static const std::regex method_key("^    (get|post|put|patch|delete|options|head):\\s*$");
  std::smatch m;
  while (std::getline(in, line)) {
    if (line.rfind("paths:", 0) == 0) {
      in_paths = true;
      continue;
    }
    if (in_paths && !line.empty() && line[0] != ' ' && line[0] != '#') in_paths = false;
    if (!in_paths) continue;
    if (std::regex_match(line, m, path_key)) {
      path = m[1];
      out[path];
    } else if (!path.empty() && std::regex_match(line, m, method_key)) {
      auto method = m[1].str();
      for (auto& ch : method) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      out[path].insert(method);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("every route of the server is in openapi.yaml", "[unit]") {
  auto paths = documented(TOUCHPOINT_OPENAPI);
  REQUIRE(paths.size() > 10);
  auto routes = touchpoint::bridge::route_table();
  REQUIRE(routes.size() > 20);
  for (const auto& r : routes) {
    // "{*path}" (the rest of the path) is written "{path}" in OpenAPI.
    auto pattern = std::regex_replace(r.pattern, std::regex("\\{\\*"), "{");
    INFO(r.method << ' ' << pattern);
    auto it = paths.find(pattern);
    REQUIRE(it != paths.end());
    CHECK(it->second.count(r.method) == 1);
  }
}
