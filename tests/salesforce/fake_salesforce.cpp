#include "fake_salesforce.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

#include <touchpoint/http/client.hpp>

extern char** environ;

namespace fs = std::filesystem;

namespace touchpoint::testing {

FakeSalesforce::FakeSalesforce(const std::vector<std::string>& flags) {
  std::random_device rd;
  dir_ = fs::temp_directory_path() / ("touchpoint-fake-sf-" + std::to_string(rd()));
  fs::create_directories(dir_);
  auto port_file = dir_ / "port";
  std::vector<std::string> args = {TOUCHPOINT_PYTHON3, TOUCHPOINT_FAKE_SALESFORCE, "--port-file",
                                   port_file.string()};
  args.insert(args.end(), flags.begin(), flags.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0)
    throw std::runtime_error("cannot start the fake Salesforce");
  for (int i = 0; i < 400 && !fs::exists(port_file); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  if (!fs::exists(port_file)) throw std::runtime_error("the fake Salesforce did not start");
  std::ifstream in(port_file);
  in >> port_;
}

FakeSalesforce::~FakeSalesforce() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

nlohmann::json FakeSalesforce::get(const std::string& path) const {
  http::Client client;
  auto r = client.request({"GET", url() + path, {}, ""});
  return nlohmann::json::parse(r.body);
}

nlohmann::json FakeSalesforce::post(const std::string& path, const nlohmann::json& body) const {
  http::Client client;
  auto r = client.request(
      {"POST", url() + path, {{"Content-Type", "application/json"}}, body.dump()});
  return nlohmann::json::parse(r.body);
}

}  // namespace touchpoint::testing
