#pragma once
// Helpers shared by the vmime-based SMTP and IMAP clients. Internal to touchpoint::mail.

#include <filesystem>
#include <string>
#include <vector>

#include <vmime/vmime.hpp>

namespace touchpoint::mail::detail {

inline constexpr const char* kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";

// Every PEM certificate in a file (a CA file may hold a chain, the system bundle many).
// Throws std::runtime_error when the file cannot be read or holds none.
std::vector<vmime::shared_ptr<vmime::security::cert::X509Certificate>> load_certificates(
    const std::filesystem::path& path);

// Line breaks become spaces; trailing spaces go.
std::string one_line(std::string text);

// The message of an exception and of the ones it chains, "outer: inner", on one line.
std::string describe(const vmime::exception& e);

// Replaces every occurrence of the secret, in case a library echoes it in an error.
std::string without_secret(std::string text, const std::string& secret);

}  // namespace touchpoint::mail::detail
