#include "bridge_fixture.hpp"

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>

#include <touchpoint/bridge/service.hpp>
#include <touchpoint/core/time.hpp>

#include "cli/cli.hpp"

namespace touchpoint::testing {
namespace {

std::filesystem::path fresh_dir(const std::string& prefix) {
  std::random_device rd;
  auto dir = std::filesystem::temp_directory_path() / (prefix + std::to_string(rd()));
  std::filesystem::create_directories(dir);
  return dir;
}

// The demo database, built once by `touchpoint demo` and copied for each test.
const std::filesystem::path& demo_database() {
  static std::once_flag once;
  static std::filesystem::path path;
  std::call_once(once, [] {
    auto dir = fresh_dir("touchpoint-bridge-demo-");
    path = dir / "touchpoint.db";
    // Enrolled ten days ago, so that every rep has tasks open whatever the weekday.
    auto start = std::chrono::time_point_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now()) - std::chrono::hours(24 * 10);
    std::ostringstream out, err;
    int status = app::run_cli(
        {"touchpoint", "--db", path.string(), "demo", "--start", core::format_utc(start)}, out, err);
    if (status != 0) throw std::runtime_error("touchpoint demo failed: " + err.str());
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(path.parent_path(), ec);
    });
  });
  return path;
}

}  // namespace

BridgeFixture::BridgeFixture(const std::function<void(bridge::ServerOptions&)>& adjust) {
  const auto& demo = demo_database();
  dir_ = fresh_dir("touchpoint-bridge-");
  std::filesystem::copy_file(demo, db());
  std::filesystem::create_directories(dir_ / "static" / "js");
  {
    std::ofstream(dir_ / "static" / "index.html") << "<!doctype html><title>Touchpoint</title>";
    std::ofstream(dir_ / "static" / "js" / "app.js") << "console.log('touchpoint');";
    std::ofstream(dir_ / "secret.txt") << "not for the web";
  }
  bridge::ServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.threads = 2;
  options.database = db();
  options.engine.public_url = "http://127.0.0.1";
  options.engine.tracking_secret = kSecret;
  options.cors_origins = {kOrigin};
  options.static_dir = dir_ / "static";
  options.feed_poll = std::chrono::milliseconds(50);
  if (adjust) adjust(options);
  server_ = std::make_unique<bridge::Server>(options);
  server_->start();
}

BridgeFixture::~BridgeFixture() {
  server_.reset();
  store_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

store::Store& BridgeFixture::store() {
  if (!store_) store_ = store::open_sqlite_store(db());
  return *store_;
}

std::string BridgeFixture::token(const std::string& email) {
  auto user = store().users().find(email);
  if (!user) throw std::runtime_error("no demo rep " + email);
  engine::EngineConfig config;
  config.tracking_secret = kSecret;
  bridge::Service service(store(), config);
  return service.create_token(user->id, std::chrono::time_point_cast<std::chrono::seconds>(
                                            std::chrono::system_clock::now()));
}

}  // namespace touchpoint::testing
