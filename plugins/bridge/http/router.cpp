#include "router.hpp"

#include <algorithm>

namespace touchpoint::bridge::http {
namespace {

std::vector<std::string> split_pattern(std::string_view pattern) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] == '/') {
      ++i;
      continue;
    }
    auto end = pattern.find('/', i);
    if (end == std::string_view::npos) end = pattern.size();
    out.emplace_back(pattern.substr(i, end - i));
    i = end;
  }
  return out;
}

bool is_capture(const std::string& s) { return s.size() > 2 && s.front() == '{' && s.back() == '}'; }

}  // namespace

void Router::add(std::string method, std::string pattern) {
  routes_.push_back({std::move(method), split_pattern(pattern)});
}

bool Router::matches(const Entry& entry, const std::vector<std::string>& segments,
                     PathParams* params) {
  const auto& p = entry.segments;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (is_capture(p[i]) && p[i][1] == '*') {
      // The rest of the path, one segment or more.
      if (i >= segments.size()) return false;
      if (params) {
        std::string rest;
        for (std::size_t j = i; j < segments.size(); ++j) rest += (j > i ? "/" : "") + segments[j];
        params->insert_or_assign(p[i].substr(2, p[i].size() - 3), rest);
      }
      return true;
    }
    if (i >= segments.size()) return false;
    if (is_capture(p[i])) {
      if (segments[i].empty()) return false;
      if (params) params->insert_or_assign(p[i].substr(1, p[i].size() - 2), segments[i]);
    } else if (p[i] != segments[i]) {
      return false;
    }
  }
  return p.size() == segments.size();
}

Router::Match Router::match(std::string_view method,
                            const std::vector<std::string>& segments) const {
  Match result;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const auto& entry = routes_[i];
    if (!matches(entry, segments, nullptr)) continue;
    if (std::find(result.allowed.begin(), result.allowed.end(), entry.method) ==
        result.allowed.end())
      result.allowed.push_back(entry.method);
    if (result.kind != Match::Kind::found && entry.method == method) {
      result.kind = Match::Kind::found;
      result.route = i;
      matches(entry, segments, &result.params);
    }
  }
  if (result.kind != Match::Kind::found && !result.allowed.empty())
    result.kind = Match::Kind::method_not_allowed;
  return result;
}

}  // namespace touchpoint::bridge::http
