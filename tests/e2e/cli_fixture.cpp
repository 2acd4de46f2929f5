#include "cli_fixture.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <random>

namespace touchpoint::testing {

CliFixture::CliFixture() {
  std::random_device rd;
  dir_ = std::filesystem::temp_directory_path() / ("touchpoint-e2e-" + std::to_string(rd()));
  std::filesystem::create_directories(dir_);
}

CliFixture::~CliFixture() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

CliResult CliFixture::run(std::vector<std::string> args) const {
  std::vector<std::string> argv{"touchpoint", "--db", db().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::ostringstream out, err;
  CliResult r;
  r.status = app::run_cli(argv, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

CliResult CliFixture::ok(std::vector<std::string> args) const {
  auto r = run(args);
  std::string command;
  for (const auto& a : args) command += a + " ";
  INFO("touchpoint " << command << "\nstdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.status == 0);
  return r;
}

void CliFixture::expect_config_error(const std::string& config_json,
                                     const std::string& message) const {
  const auto config = dir_ / "touchpoint.json";
  std::ofstream(config) << config_json;
  auto r = run({"--config", config.string(), "tick"});
  INFO(config_json << "\nexpected: " << message);
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains(message));
}

void CliFixture::add_sample_reps(const std::vector<std::string>& global) const {
  std::ifstream in(fixture("reps.json"));
  for (const auto& rep : nlohmann::json::parse(in)) {
    auto args = global;
    args.insert(args.end(),
                {"user", "add", "--email", rep["email"].get<std::string>(), "--name",
                 rep["name"].get<std::string>(), "--timezone", rep["timezone"].get<std::string>()});
    ok(args);
  }
}

void CliFixture::load_samples(const std::vector<std::string>& global) const {
  add_sample_reps(global);
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin(), global.begin(), global.end());
    return ok(args);
  };
  with({"prospects", "import", fixture("prospects.csv")});
  with({"sequence", "apply", fixture("sequence-all-modes.json")});
}

std::map<std::string, std::string> CliFixture::send_first_emails(
    const std::vector<std::string>& global) const {
  load_samples(global);
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin(), global.begin(), global.end());
    return ok(args);
  };
  with({"enroll", "--sequence", "1", "--prospects", "all", "--start", "2026-03-02T07:00:00Z"});
  // By Tuesday night every first email is out (Los Angeles' went Tuesday 08:00 there).
  with({"tick", "--now", "2026-03-03T23:00:00Z"});
  std::map<std::string, std::string> first;
  for (const auto& m : with({"messages", "--json"}).json())
    if (m["position"] == 1) first[m["to"].get<std::string>()] = m["message_id"].get<std::string>();
  return first;
}

std::string fixture(const std::string& name) {
  return std::string(TOUCHPOINT_FIXTURES) + "/" + name;
}

}  // namespace touchpoint::testing
