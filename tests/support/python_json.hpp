#pragma once
// Python 3's standard library as an independent parser in tests: a script is run on an input
// file and prints JSON. Also the scratch folder the tests share.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace touchpoint::test {

// A fresh folder under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs `script` with Python 3, giving it `args` and then the path of a file holding `input`,
// and parses what it prints as JSON. Throws std::runtime_error with Python's error output
// when the script fails.
nlohmann::json run_python_json(std::string_view script, const std::vector<std::string>& args,
                               std::string_view input);

}  // namespace touchpoint::test
