#pragma once
// A small router: method + path pattern. A pattern's segments are literals, "{name}" (one
// segment) or a final "{*name}" (the rest, one segment or more). Path segments are matched
// percent-decoded.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace touchpoint::bridge::http {

using PathParams = std::map<std::string, std::string, std::less<>>;

class Router {
 public:
  struct Match {
    enum class Kind { found, not_found, method_not_allowed };
    Kind kind = Kind::not_found;
    std::size_t route = 0;              // found: the index given to add()
    PathParams params;                  // found: the captured segments
    std::vector<std::string> allowed;   // method_not_allowed (and found): methods on this path
  };

  // Adds a route; its index is the number of routes added before it.
  void add(std::string method, std::string pattern);
  std::size_t size() const { return routes_.size(); }

  // `segments`: the request path's decoded segments ("/api/v1/tasks/7" -> api, v1, tasks, 7).
  Match match(std::string_view method, const std::vector<std::string>& segments) const;

 private:
  struct Entry {
    std::string method;
    std::vector<std::string> segments;
  };
  static bool matches(const Entry& entry, const std::vector<std::string>& segments,
                      PathParams* params);
  std::vector<Entry> routes_;
};

}  // namespace touchpoint::bridge::http
