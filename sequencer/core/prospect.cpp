#include <touchpoint/core/prospect.hpp>

namespace touchpoint::core {
namespace {

// True when the text starts with a Hangul, CJK ideograph or kana code point.
bool starts_east_asian(const std::string& s) {
  if (s.size() < 3) return false;
  auto b0 = static_cast<unsigned char>(s[0]);
  if ((b0 & 0xF0) != 0xE0) return false;  // these blocks are all 3-byte UTF-8
  char32_t cp = ((b0 & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[1]) & 0x3Fu) << 6) |
                (static_cast<unsigned char>(s[2]) & 0x3Fu);
  return (cp >= 0xAC00 && cp <= 0xD7A3) ||  // Hangul syllables
         (cp >= 0x4E00 && cp <= 0x9FFF) ||  // CJK unified ideographs
         (cp >= 0x3040 && cp <= 0x30FF);    // hiragana, katakana
}

}  // namespace

std::string full_name(const std::string& first_name, const std::string& last_name) {
  if (first_name.empty() || last_name.empty()) return first_name + last_name;
  if (starts_east_asian(first_name) && starts_east_asian(last_name)) return last_name + first_name;
  return first_name + " " + last_name;
}

std::string first_name_of(const std::string& display_name) {
  auto space = display_name.find(' ');
  return space == std::string::npos ? display_name : display_name.substr(0, space);
}

}  // namespace touchpoint::core
