#pragma once
// Runs the touchpoint CLI in-process against a database in a fresh temporary folder.

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/cli.hpp"

namespace touchpoint::testing {

struct CliResult {
  int status = 0;
  std::string out;
  std::string err;
  nlohmann::json json() const { return nlohmann::json::parse(out); }
};

class CliFixture {
 public:
  CliFixture();
  ~CliFixture();
  CliFixture(const CliFixture&) = delete;
  CliFixture& operator=(const CliFixture&) = delete;

  // touchpoint --db <dir>/touchpoint.db <args...>
  CliResult run(std::vector<std::string> args) const;
  // Like run(), but fails the test unless the status is 0.
  CliResult ok(std::vector<std::string> args) const;
  // Writes `config_json` as <dir>/touchpoint.json and checks that `tick` refuses it (status 2)
  // with an error containing `message`, such as the key it names.
  void expect_config_error(const std::string& config_json, const std::string& message) const;

  // The shared fixtures' reps (reps.json), then, with load_samples, their prospects and the
  // all-modes sequence. `global` options (e.g. --config FILE) go before each command.
  void add_sample_reps(const std::vector<std::string>& global = {}) const;
  void load_samples(const std::vector<std::string>& global = {}) const;
  // load_samples, then every prospect enrolled in the sample sequence on Monday 2026-03-02
  // and a tick on Tuesday night, when every first email is out. Returns each prospect's
  // first Message-ID.
  std::map<std::string, std::string> send_first_emails(
      const std::vector<std::string>& global = {}) const;

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path db() const { return dir_ / "touchpoint.db"; }
  std::filesystem::path outbox() const { return dir_ / "outbox"; }

 private:
  std::filesystem::path dir_;
};

std::string fixture(const std::string& name);  // path of a shared fixture file

}  // namespace touchpoint::testing
