#pragma once
// The real server on 127.0.0.1, port 0, over a fresh copy of a demo database (the CLI's
// `demo` command, run in-process once per test program), with a known tracking secret.

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <touchpoint/bridge/server.hpp>
#include <touchpoint/store/store.hpp>

#include "http_client.hpp"

namespace touchpoint::testing {

inline constexpr const char* kSecret = "bridge-test-secret-0123456789";
inline constexpr const char* kAnna = "rep.anna@touchpoint.test";
inline constexpr const char* kJisoo = "rep.jisoo@touchpoint.test";
inline constexpr const char* kOrigin = "https://addin.touchpoint.test";

class BridgeFixture {
 public:
  // `adjust` may change the options before the server starts.
  explicit BridgeFixture(const std::function<void(bridge::ServerOptions&)>& adjust = {});
  ~BridgeFixture();
  BridgeFixture(const BridgeFixture&) = delete;
  BridgeFixture& operator=(const BridgeFixture&) = delete;

  bridge::Server& server() { return *server_; }
  std::uint16_t port() const { return server_->port(); }
  HttpClient client() const { return HttpClient(port()); }
  // A fresh bearer token for a demo rep, issued through the Service.
  std::string token(const std::string& email);
  // The test's own connection to the database, for checking what the server wrote.
  store::Store& store();
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path db() const { return dir_ / "touchpoint.db"; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<bridge::Server> server_;
};

}  // namespace touchpoint::testing
