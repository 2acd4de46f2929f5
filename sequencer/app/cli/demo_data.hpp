#pragma once
// The demo data in demo/ (reps.json, prospects.csv, sequence.json), compiled into the program.

#include <span>
#include <string_view>
#include <utility>

namespace touchpoint::app {

std::span<const std::pair<const char*, const char*>> demo_files();

// The text of one demo file by name; throws std::out_of_range for an unknown name.
std::string_view demo_file(std::string_view name);

}  // namespace touchpoint::app
