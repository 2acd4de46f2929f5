#pragma once
// A small HTTP/1.1 client over Beast for the tests: one keep-alive connection, every operation
// bounded by a timeout (asynchronous operations run for at most that long).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace touchpoint::testing {

namespace bhttp = boost::beast::http;
using HttpRequest = bhttp::request<bhttp::string_body>;
using HttpResponse = bhttp::response<bhttp::string_body>;
using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port);

  HttpResponse send(HttpRequest request, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  HttpResponse get(std::string target, const Headers& headers = {});
  // A HEAD request; the response is read as a HEAD response (no body, whatever its
  // Content-Length says), so the connection stays usable only if the server sent none.
  HttpResponse head(std::string target, const Headers& headers = {});
  HttpResponse post(std::string target, std::string body, const Headers& headers = {},
                    std::string content_type = "application/json");

  // Raw bytes, for requests sent in parts and for reading a live feed.
  void write_raw(std::string_view bytes);
  // Reads until `needle` has arrived (or the timeout); returns everything read so far.
  std::string read_until(std::string_view needle, std::chrono::milliseconds timeout);
  // Reads one response after a request written raw.
  HttpResponse read_response(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  std::string received;  // raw bytes read by read_until

 private:
  template <class Start>
  void run(Start start, std::chrono::milliseconds timeout);

  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
};

// "Authorization: Bearer <token>"
Headers bearer(const std::string& token);

}  // namespace touchpoint::testing
