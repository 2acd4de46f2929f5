#pragma once
// ASCII-only character tests and case-insensitive comparisons for protocol text (HTML tags,
// headers, user agents): independent of the C locale, and bytes from 0x80 (UTF-8) are never
// letters, digits or spaces.

#include <cstddef>
#include <string>
#include <string_view>

namespace touchpoint::core {

inline char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// ASCII lower-case, the key for matching emails case-insensitively.
inline std::string lower_ascii(std::string_view text) {
  std::string lowered(text);
  for (char& c : lowered) c = ascii_lower(c);
  return lowered;
}

inline bool is_ascii_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

inline bool is_ascii_digit(char c) {
  return c >= '0' && c <= '9';
}

// A regular expression's word character: [A-Za-z0-9_].
inline bool is_word_char(char c) {
  return is_ascii_alpha(c) || is_ascii_digit(c) || c == '_';
}

// Whether `s` starts with `lower_case` (given in lower case) in any case.
inline bool starts_with_lower(std::string_view s, std::string_view lower_case) {
  if (s.size() < lower_case.size()) return false;
  for (std::size_t i = 0; i < lower_case.size(); ++i)
    if (ascii_lower(s[i]) != lower_case[i]) return false;
  return true;
}

// Whether `s` is `lower_case` (given in lower case) in any case.
inline bool equals_lower(std::string_view s, std::string_view lower_case) {
  return s.size() == lower_case.size() && starts_with_lower(s, lower_case);
}

// Where `lower_case` (given in lower case) first occurs in `s` from `from`, in any case.
inline std::size_t ifind(std::string_view s, std::string_view lower_case, std::size_t from = 0) {
  for (std::size_t i = from; i + lower_case.size() <= s.size(); ++i)
    if (starts_with_lower(s.substr(i), lower_case)) return i;
  return std::string_view::npos;
}

}  // namespace touchpoint::core
