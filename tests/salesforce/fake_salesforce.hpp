#pragma once
// The fake Salesforce (tests/fakes/fake_salesforce.py) in a child process on a free loopback
// port, stopped (SIGTERM) on destruction, with its admin endpoints as functions.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace touchpoint::testing {

class FakeSalesforce {
 public:
  // Extra command-line flags: {"--batch-size", "2"}, {"--jwt-public-key", path}, ...
  explicit FakeSalesforce(const std::vector<std::string>& flags = {});
  ~FakeSalesforce();
  FakeSalesforce(const FakeSalesforce&) = delete;
  FakeSalesforce& operator=(const FakeSalesforce&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  nlohmann::json get(const std::string& path) const;
  nlohmann::json post(const std::string& path, const nlohmann::json& body) const;

  nlohmann::json tasks() const { return get("/admin/tasks"); }
  nlohmann::json stats() const { return get("/admin/stats"); }
  void configure(const nlohmann::json& config) const { post("/admin/config", config); }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace touchpoint::testing
