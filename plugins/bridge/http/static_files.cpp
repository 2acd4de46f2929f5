// The command center's files: content type by extension, nothing outside the root.
#include <fstream>
#include <sstream>

#include <boost/beast/http/field.hpp>

#include "exchange.hpp"

namespace touchpoint::bridge::http {
namespace {

std::string_view content_type(const std::filesystem::path& path) {
  auto ext = path.extension().string();
  for (auto& c : ext) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (ext == ".html" || ext == ".htm") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json") return "application/json; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".gif") return "image/gif";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt" || ext == ".md") return "text/plain; charset=utf-8";
  if (ext == ".yaml" || ext == ".yml") return "application/yaml";
  return "application/octet-stream";
}

// A relative path that cannot leave its root: no empty, "." or ".." segments, no backslashes
// or NULs (segments arrive percent-decoded, so "%2e%2e" is caught here too).
bool is_safe(const std::string& relative) {
  if (relative.empty() || relative.front() == '/') return false;
  std::size_t start = 0;
  while (start <= relative.size()) {
    auto end = relative.find('/', start);
    if (end == std::string::npos) end = relative.size();
    auto segment = std::string_view(relative).substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    if (segment.find('\\') != std::string_view::npos || segment.find('\0') != std::string_view::npos)
      return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

Response static_file(const std::filesystem::path& root, const std::string& relative) {
  auto missing = [&] { return error_response(404, "not_found", "no such file: /" + relative); };
  if (root.empty() || !is_safe(relative)) return missing();
  std::error_code ec;
  auto base = std::filesystem::canonical(root, ec);
  if (ec) return missing();
  auto path = std::filesystem::weakly_canonical(base / relative, ec);
  // Symbolic links must not lead out of the root either.
  auto [end, _] = std::mismatch(base.begin(), base.end(), path.begin(), path.end());
  if (ec || end != base.end() || !std::filesystem::is_regular_file(path, ec)) return missing();
  std::ifstream in(path, std::ios::binary);
  if (!in) return missing();
  std::ostringstream body;
  body << in.rdbuf();
  Response res{bhttp::status::ok, 11};
  res.set(bhttp::field::content_type, content_type(path));
  // The files change with each deployment and have no fingerprints in their names.
  res.set(bhttp::field::cache_control, "no-cache");
  res.body() = std::move(body).str();
  return res;
}

}  // namespace touchpoint::bridge::http
