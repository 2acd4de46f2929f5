#include <touchpoint/core/result.hpp>

namespace touchpoint::core {

const char* to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::invalid_input:
      return "invalid_input";
    case ErrorCode::not_found:
      return "not_found";
    case ErrorCode::conflict:
      return "conflict";
    case ErrorCode::unavailable:
      return "unavailable";
  }
  return "unknown";
}

}  // namespace touchpoint::core
