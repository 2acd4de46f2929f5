#include "demo_data.hpp"

#include <stdexcept>
#include <string>

namespace touchpoint::app {

std::string_view demo_file(std::string_view name) {
  for (const auto& [file, text] : demo_files())
    if (name == file) return text;
  throw std::out_of_range("no demo file " + std::string(name));
}

}  // namespace touchpoint::app
