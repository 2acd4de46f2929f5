// Graceful shutdown: a request in flight when the server is told to stop still gets its answer;
// new connections are refused.
#include <catch2/catch.hpp>

#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>

#include "bridge_fixture.hpp"

using namespace touchpoint::testing;

TEST_CASE("stopping lets a request in flight finish, then refuses new connections", "[net]") {
  BridgeFixture f;
  auto token = f.token(kAnna);
  auto tasks = nlohmann::json::parse(f.client().get("/api/v1/tasks?limit=1", bearer(token)).body());
  REQUIRE(!tasks["tasks"].empty());
  auto id = tasks["tasks"][0]["id"].get<std::int64_t>();
  const std::string body = R"({"notes":"skipped while the server stopped"})";

  auto idle = f.client();  // a kept-alive connection with nothing in flight
  CHECK(idle.get("/healthz").result_int() == 200);

  auto c = f.client();
  // The header and half of the body, then the stop.
  c.write_raw("POST /api/v1/tasks/" + std::to_string(id) +
              "/skip HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              "Authorization: Bearer " + token + "\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 10));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  f.server().request_stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  // No new connections once stopping.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket probe(ioc);
  boost::system::error_code ec;
  probe.connect({boost::asio::ip::make_address("127.0.0.1"), f.port()}, ec);
  CHECK(ec);

  // The idle connection was closed.
  CHECK_THROWS(idle.get("/healthz"));

  c.write_raw(body.substr(10));
  auto r = c.read_response();
  CHECK(r.result_int() == 200);
  CHECK(!r.keep_alive());
  CHECK(nlohmann::json::parse(r.body())["task"]["state"] == "skipped");
  f.server().wait();
}
