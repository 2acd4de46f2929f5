#include "nodelay_socket.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vmime/exception.hpp>

namespace touchpoint::mail::detail {
namespace {

constexpr int kPollSliceMs = 10;          // how often the timeout handler is consulted
constexpr int kConnectAttemptMs = 10000;  // per resolved address, then the next one

bool would_block(int error) {
  return error == EAGAIN || error == EWOULDBLOCK || error == EINTR || error == EINPROGRESS;
}

[[noreturn]] void throw_socket_error(int error) {
  throw vmime::exceptions::socket_exception(std::generic_category().message(error));
}

}  // namespace

NoDelaySocket::NoDelaySocket(vmime::shared_ptr<vmime::net::timeoutHandler> timeout_handler,
                             TcpNoDelay no_delay)
    : timeout_handler_(std::move(timeout_handler)), no_delay_(no_delay) {}

NoDelaySocket::~NoDelaySocket() {
  if (fd_ >= 0) ::close(fd_);
}

void NoDelaySocket::check_timeout() {
  if (timeout_handler_ && timeout_handler_->isTimeOut()) {
    if (!timeout_handler_->handleTimeOut()) throw vmime::exceptions::operation_timed_out();
    timeout_handler_->resetTimeOut();
  }
}

void NoDelaySocket::connect(const vmime::string& address, vmime::port_t port) {
  disconnect();
  address_ = address;
  if (tracer_) tracer_->traceSend("Connecting to " + address + ", port " + std::to_string(port));

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* resolved = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = ::getaddrinfo(address.c_str(), service.c_str(), &hints, &resolved); rc != 0) {
    throw vmime::exceptions::connection_error("cannot resolve " + address + ": " +
                                              ::gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(resolved, &::freeaddrinfo);

  if (timeout_handler_) timeout_handler_->resetTimeOut();
  int last_error = ECONNREFUSED;
  for (const addrinfo* ai = resolved; ai != nullptr; ai = ai->ai_next) {
    const int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) {
      last_error = errno;
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    if (no_delay_ == TcpNoDelay::on) ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    int error = 0;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) error = errno;
    if (error == EINPROGRESS || error == EINTR) {
      // Wait for the handshake in slices, asking the timeout handler between them.
      error = ETIMEDOUT;
      const auto give_up =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(kConnectAttemptMs);
      while (std::chrono::steady_clock::now() < give_up) {
        pollfd p{fd, POLLOUT, 0};
        const int ready = ::poll(&p, 1, 100);
        if (ready > 0) {
          socklen_t len = sizeof error;
          if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) error = errno;
          break;
        }
        if (ready < 0 && errno != EINTR) {
          error = errno;
          break;
        }
        try {
          check_timeout();
        } catch (...) {
          ::close(fd);
          throw;
        }
      }
    }
    if (error == 0) {
      fd_ = fd;
      return;
    }
    last_error = error;
    ::close(fd);
  }
  throw vmime::exceptions::connection_error("cannot connect to " + address + " port " + service +
                                            ": " + std::generic_category().message(last_error));
}

void NoDelaySocket::disconnect() {
  if (fd_ < 0) return;
  if (tracer_) tracer_->traceSend("Disconnecting");
  ::shutdown(fd_, SHUT_RDWR);
  ::close(fd_);
  fd_ = -1;
}

bool NoDelaySocket::isConnected() const {
  if (fd_ < 0) return false;
  char byte = 0;
  return ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT) != 0;
}

const vmime::string NoDelaySocket::getPeerAddress() const {
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&peer), &len) != 0) {
    throw_socket_error(errno);
  }
  char text[INET6_ADDRSTRLEN] = {};
  const void* where =
      peer.ss_family == AF_INET6
          ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(&peer)->sin6_addr)
          : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(&peer)->sin_addr);
  if (::inet_ntop(peer.ss_family, where, text, sizeof text) == nullptr) throw_socket_error(errno);
  return text;
}

bool NoDelaySocket::wait_for(short events, int msecs) {
  if (fd_ < 0) throw vmime::exceptions::socket_not_connected_exception();
  for (int waited = 0; waited <= msecs; waited += kPollSliceMs) {
    pollfd p{fd_, events, 0};
    const int ready = ::poll(&p, 1, kPollSliceMs);
    if (ready < 0 && errno != EINTR) throw_socket_error(errno);
    if (ready > 0) return true;  // readable/writable, or an error the next call reports
    check_timeout();
  }
  return false;
}

bool NoDelaySocket::waitForRead(int msecs) {
  return wait_for(POLLIN, msecs);
}

bool NoDelaySocket::waitForWrite(int msecs) {
  return wait_for(POLLOUT, msecs);
}

void NoDelaySocket::receive(vmime::string& buffer) {
  vmime::byte_t chunk[16384];
  const size_t n = receiveRaw(chunk, sizeof chunk);
  buffer.assign(reinterpret_cast<const char*>(chunk), n);
}

size_t NoDelaySocket::receiveRaw(vmime::byte_t* buffer, size_t count) {
  status_ &= ~static_cast<unsigned int>(STATUS_WOULDBLOCK);
  if (!waitForRead(50)) {
    status_ |= STATUS_WOULDBLOCK;
    return 0;
  }
  const ssize_t n = ::recv(fd_, buffer, count, 0);
  if (n < 0) {
    if (!would_block(errno)) throw_socket_error(errno);
    check_timeout();
    status_ |= STATUS_WOULDBLOCK;
    return 0;
  }
  if (n == 0) throw_socket_error(ENOTCONN);  // the server closed the connection
  if (timeout_handler_) timeout_handler_->resetTimeOut();
  return static_cast<size_t>(n);
}

void NoDelaySocket::send(const vmime::string& buffer) {
  sendRaw(reinterpret_cast<const vmime::byte_t*>(buffer.data()), buffer.size());
}

void NoDelaySocket::send(const char* str) {
  sendRaw(reinterpret_cast<const vmime::byte_t*>(str), std::strlen(str));
}

void NoDelaySocket::sendRaw(const vmime::byte_t* buffer, size_t count) {
  status_ &= ~static_cast<unsigned int>(STATUS_WOULDBLOCK);
  if (fd_ < 0) throw vmime::exceptions::socket_not_connected_exception();
  while (count > 0) {
    const ssize_t n = ::send(fd_, buffer, count, MSG_NOSIGNAL);
    if (n < 0) {
      if (!would_block(errno)) throw_socket_error(errno);
      waitForWrite(50);
      continue;
    }
    buffer += n;
    count -= static_cast<size_t>(n);
  }
  if (timeout_handler_) timeout_handler_->resetTimeOut();
}

size_t NoDelaySocket::sendRawNonBlocking(const vmime::byte_t* buffer, size_t count) {
  status_ &= ~static_cast<unsigned int>(STATUS_WOULDBLOCK);
  if (fd_ < 0) throw vmime::exceptions::socket_not_connected_exception();
  const ssize_t n = ::send(fd_, buffer, count, MSG_NOSIGNAL);
  if (n < 0) {
    if (!would_block(errno)) throw_socket_error(errno);
    check_timeout();
    status_ |= STATUS_WOULDBLOCK;
    return 0;
  }
  if (timeout_handler_) timeout_handler_->resetTimeOut();
  return static_cast<size_t>(n);
}

vmime::shared_ptr<vmime::net::socket> NoDelaySocketFactory::create() {
  return vmime::make_shared<NoDelaySocket>(nullptr, no_delay_);
}

vmime::shared_ptr<vmime::net::socket> NoDelaySocketFactory::create(
    vmime::shared_ptr<vmime::net::timeoutHandler> timeout_handler) {
  return vmime::make_shared<NoDelaySocket>(std::move(timeout_handler), no_delay_);
}

}  // namespace touchpoint::mail::detail
