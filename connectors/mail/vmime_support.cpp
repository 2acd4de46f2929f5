#include "vmime_support.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>

namespace touchpoint::mail::detail {

std::vector<vmime::shared_ptr<vmime::security::cert::X509Certificate>> load_certificates(
    const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read CA file " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  const std::string pem = text.str();

  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  std::vector<vmime::shared_ptr<vmime::security::cert::X509Certificate>> certificates;
  for (std::size_t begin = pem.find(kBegin); begin != std::string::npos;
       begin = pem.find(kBegin, begin + 1)) {
    const std::size_t end = pem.find(kEnd, begin);
    if (end == std::string::npos) break;
    const std::string block = pem.substr(begin, end + kEnd.size() - begin) + "\n";
    auto certificate = vmime::security::cert::X509Certificate::import(
        reinterpret_cast<const vmime::byte_t*>(block.data()), block.size());
    if (certificate) certificates.push_back(std::move(certificate));
  }
  if (certificates.empty()) throw std::runtime_error("no certificate in " + path.string());
  return certificates;
}

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

std::string describe(const vmime::exception& e) {
  std::string text = e.what();
  for (const vmime::exception* cause = e.other(); cause != nullptr; cause = cause->other()) {
    text += std::string(": ") + cause->what();
  }
  return one_line(text);
}

std::string without_secret(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

}  // namespace touchpoint::mail::detail
