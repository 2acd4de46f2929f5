#pragma once
// Private to touchpoint::mail: a vmime socket for POSIX that sets TCP_NODELAY.
//
// vmime's posixSocket keeps its descriptor private, so it cannot be reached from a subclass to
// set the option after connect(); this is the same socket (non-blocking descriptor, the
// timeout handler consulted while waiting) with TCP_NODELAY set before connecting. Without it
// vmime's SMTP transport stalls about 40 ms per message (Nagle against delayed ACK).

#include <vmime/net/socket.hpp>

namespace touchpoint::mail::detail {

enum class TcpNoDelay { on, off };

class NoDelaySocket final : public vmime::net::socket {
 public:
  NoDelaySocket(vmime::shared_ptr<vmime::net::timeoutHandler> timeout_handler, TcpNoDelay no_delay);
  ~NoDelaySocket() override;
  NoDelaySocket(const NoDelaySocket&) = delete;
  NoDelaySocket& operator=(const NoDelaySocket&) = delete;

  // Tries each resolved address in turn; throws vmime::exceptions::connection_error (with the
  // errno text) when none accepts, vmime::exceptions::operation_timed_out when the timeout
  // handler gives up.
  void connect(const vmime::string& address, vmime::port_t port) override;
  void disconnect() override;
  bool isConnected() const override;

  bool waitForRead(int msecs = 30000) override;
  bool waitForWrite(int msecs = 30000) override;

  void receive(vmime::string& buffer) override;
  size_t receiveRaw(vmime::byte_t* buffer, size_t count) override;
  void send(const vmime::string& buffer) override;
  void send(const char* str) override;
  void sendRaw(const vmime::byte_t* buffer, size_t count) override;
  size_t sendRawNonBlocking(const vmime::byte_t* buffer, size_t count) override;

  size_t getBlockSize() const override { return 16384; }
  unsigned int getStatus() const override { return status_; }
  const vmime::string getPeerName() const override { return address_; }
  const vmime::string getPeerAddress() const override;
  vmime::shared_ptr<vmime::net::timeoutHandler> getTimeoutHandler() override {
    return timeout_handler_;
  }
  void setTracer(vmime::shared_ptr<vmime::net::tracer> tracer) override { tracer_ = tracer; }
  vmime::shared_ptr<vmime::net::tracer> getTracer() override { return tracer_; }

 private:
  bool wait_for(short events, int msecs);
  // Throws vmime::exceptions::operation_timed_out when the handler says to give up.
  void check_timeout();

  vmime::shared_ptr<vmime::net::timeoutHandler> timeout_handler_;
  vmime::shared_ptr<vmime::net::tracer> tracer_;
  TcpNoDelay no_delay_;
  int fd_ = -1;
  unsigned int status_ = 0;
  vmime::string address_;
};

// Makes NoDelaySocket objects; give it to vmime::net::service::setSocketFactory.
class NoDelaySocketFactory final : public vmime::net::socketFactory {
 public:
  explicit NoDelaySocketFactory(TcpNoDelay no_delay) : no_delay_(no_delay) {}
  vmime::shared_ptr<vmime::net::socket> create() override;
  vmime::shared_ptr<vmime::net::socket> create(
      vmime::shared_ptr<vmime::net::timeoutHandler> timeout_handler) override;

 private:
  TcpNoDelay no_delay_;
};

}  // namespace touchpoint::mail::detail
