#pragma once
// The numbered SQL files of sequencer/store/migrations ("0001_foundation.sql"), embedded at
// build time by cmake/embed_files.cmake.

#include <span>
#include <utility>

namespace touchpoint::store::sqlite {

// {file name, SQL}, sorted by name, which sorts by version.
std::span<const std::pair<const char*, const char*>> migration_files();

}  // namespace touchpoint::store::sqlite
