#include "http_client.hpp"

#include <stdexcept>
#include <system_error>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace touchpoint::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;

HttpClient::HttpClient(std::uint16_t port) : stream_(ioc_) {
  stream_.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
}

template <class Start>
void HttpClient::run(Start start, std::chrono::milliseconds timeout) {
  ioc_.restart();
  bool done = false;
  beast::error_code result;
  start([&](beast::error_code ec, std::size_t) {
    done = true;
    result = ec;
  });
  ioc_.run_for(timeout);
  if (!done) {
    stream_.cancel();
    ioc_.restart();
    ioc_.run();
    throw std::runtime_error("HTTP client: timed out");
  }
  if (result) throw std::system_error(result, "HTTP client");
}

HttpResponse HttpClient::send(HttpRequest request, std::chrono::milliseconds timeout) {
  request.version(11);
  request.set(bhttp::field::host, "127.0.0.1");
  request.prepare_payload();
  run([&](auto handler) { bhttp::async_write(stream_, request, handler); }, timeout);
  return read_response(timeout);
}

HttpResponse HttpClient::read_response(std::chrono::milliseconds timeout) {
  HttpResponse response;
  run([&](auto handler) { bhttp::async_read(stream_, buffer_, response, handler); }, timeout);
  return response;
}

HttpResponse HttpClient::get(std::string target, const Headers& headers) {
  HttpRequest request{bhttp::verb::get, target, 11};
  for (const auto& [k, v] : headers) request.set(k, v);
  return send(std::move(request));
}

HttpResponse HttpClient::head(std::string target, const Headers& headers) {
  HttpRequest request{bhttp::verb::head, target, 11};
  for (const auto& [k, v] : headers) request.set(k, v);
  request.version(11);
  request.set(bhttp::field::host, "127.0.0.1");
  request.prepare_payload();
  auto timeout = std::chrono::milliseconds(10000);
  run([&](auto handler) { bhttp::async_write(stream_, request, handler); }, timeout);
  bhttp::response_parser<bhttp::string_body> parser;
  parser.skip(true);  // a response to HEAD has no body
  run([&](auto handler) { bhttp::async_read(stream_, buffer_, parser, handler); }, timeout);
  return parser.release();
}

HttpResponse HttpClient::post(std::string target, std::string body, const Headers& headers,
                              std::string content_type) {
  HttpRequest request{bhttp::verb::post, target, 11};
  request.set(bhttp::field::content_type, content_type);
  for (const auto& [k, v] : headers) request.set(k, v);
  request.body() = std::move(body);
  return send(std::move(request));
}

void HttpClient::write_raw(std::string_view bytes) {
  run([&](auto handler) { asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()), handler); },
      std::chrono::seconds(10));
}

std::string HttpClient::read_until(std::string_view needle, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char chunk[4096];
  while (received.find(needle) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    std::size_t got = 0;
    try {
      run([&](auto handler) {
        stream_.async_read_some(asio::buffer(chunk), [&, handler](beast::error_code ec, std::size_t n) mutable {
          got = n;
          handler(ec, n);
        });
      }, left);
    } catch (const std::runtime_error&) {
      break;  // timed out or closed: the caller checks what arrived
    }
    received.append(chunk, got);
  }
  return received;
}

Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

}  // namespace touchpoint::testing
