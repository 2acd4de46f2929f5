#include <touchpoint/core/prospect.hpp>

namespace touchpoint::core {

std::string first_name_of(const std::string& display_name) {
  auto space = display_name.find(' ');
  return space == std::string::npos ? display_name : display_name.substr(0, space);
}

}  // namespace touchpoint::core
