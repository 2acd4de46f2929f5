#include "python_json.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <stdlib.h>

namespace touchpoint::test {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::filesystem::path& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string quoted(const std::string& arg) {
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "tp-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

nlohmann::json run_python_json(std::string_view script, const std::vector<std::string>& args,
                               std::string_view input) {
  TempDir dir;
  const auto script_file = dir.path() / "script.py";
  const auto in = dir.path() / "input";
  const auto out = dir.path() / "out.json";
  const auto err = dir.path() / "err.txt";
  write_file(script_file, script);
  write_file(in, input);
  std::string command = quoted(TOUCHPOINT_PYTHON3) + " " + quoted(script_file.string());
  for (const auto& arg : args) command += " " + quoted(arg);
  command += " " + quoted(in.string()) + " > " + quoted(out.string()) + " 2> " +
             quoted(err.string());
  if (std::system(command.c_str()) != 0)
    throw std::runtime_error("python failed: " + read_file(err));
  return nlohmann::json::parse(read_file(out));
}

}  // namespace touchpoint::test
