#pragma once
// The check for values that go into a mail header or a URL verbatim: addresses, Message-IDs.

#include <string_view>

namespace touchpoint::core {

// True when `value` holds no space, control character or angle bracket: any of them would end
// the value early in a header, or let it start a header of its own. Bytes from 0x80 (UTF-8)
// pass; whether the value needs encoding is the writer's concern.
inline bool is_plain_token(std::string_view value) {
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '<' || c == '>') return false;
  }
  return true;
}

}  // namespace touchpoint::core
