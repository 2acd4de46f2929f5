// The Beast server: an acceptor handing connections round-robin to worker threads, each with
// its own io_context, Store and Service; sessions (plain or TLS) read a request, dispatch it on
// their worker, write the answer, and loop while the connection is kept alive. A live feed
// turns its session into a chunked text/event-stream that polls the worker's Service. Opens
// and clicks are answered when the HitRecorder's thread has committed them: the session waits
// without holding its worker, which a work guard keeps running until the answer is written.
#include <touchpoint/bridge/server.hpp>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <iostream>
#include <mutex>
#include <thread>
#include <type_traits>
#include <unordered_set>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "dispatch.hpp"

namespace touchpoint::bridge {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using http::Deferred;
using http::Dispatcher;
using http::Metrics;
using http::Request;
using http::Response;

namespace {

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Shutdown: close when idle, finish the request in flight then close, end a live feed.
  virtual void drain() = 0;
};

// One worker thread and everything only it touches. Member order matters: the io_context is
// destroyed before the sessions set and the Service, because destroying it destroys the
// pending handlers, which own the sessions.
struct Worker {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<Service> service;
  std::unordered_set<SessionBase*> sessions;
  bool draining = false;
  asio::io_context ioc{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  std::thread thread;
};

}  // namespace

struct Server::Impl {
  explicit Impl(ServerOptions o);
  ~Impl();
  void accept();
  void start_session(Worker& worker, tcp::socket socket);
  void request_stop();

  ServerOptions options;
  Metrics metrics;
  // Stopped (its queue answered) once the workers have ended, before their io_contexts go.
  std::unique_ptr<HitRecorder> recorder;
  Dispatcher dispatcher;
  std::optional<ssl::context> tls;
  std::vector<std::unique_ptr<Worker>> workers;
  std::optional<tcp::acceptor> acceptor;   // on workers[0]
  std::optional<asio::signal_set> signals;  // on workers[0]
  std::size_t next_worker = 0;
  std::uint16_t port = 0;

  std::mutex mutex;
  std::condition_variable changed;
  bool stop_requested = false;
  bool started = false;
  std::size_t finished = 0;
};

namespace {

std::vector<std::string> route_labels() {
  std::vector<std::string> out;
  for (const auto& r : route_table()) out.push_back(r.method + " " + r.pattern);
  return out;
}

template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  enum class State { idle, reading, handling, writing, feed, closed };

 public:
  Session(Server::Impl& server, Worker& worker, Stream stream, std::string remote)
      : server_(server), worker_(worker), stream_(std::move(stream)), remote_(std::move(remote)),
        timer_(worker.ioc) {}

  ~Session() override {
    worker_.sessions.erase(this);
    if (state_ == State::feed || feed_counted_) server_.metrics.feed_closed();
  }

  void start() {
    worker_.sessions.insert(this);
    if constexpr (kTls) {
      lowest().expires_after(server_.options.limits.read_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              beast::bind_front_handler(&Session::on_handshake, self()));
    } else {
      read_header();
    }
  }

  void drain() override {
    switch (state_) {
      case State::idle:
        // Waiting for a next request that has not begun: nothing is in flight.
        if (buffer_.size() == 0 && !(parser_ && parser_->got_some())) close();
        break;
      case State::writing:
        keep_alive_ = false;
        break;
      case State::feed:
        timer_.cancel();  // the feed's next turn sees the worker draining and ends the stream
        break;
      default:  // reading or handling: handle() sees the worker draining and closes after
        break;
    }
  }

 private:
  std::shared_ptr<Session> self() { return this->shared_from_this(); }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  const ServerLimits& limits() const { return server_.options.limits; }

  void on_handshake(beast::error_code ec) {
    if (ec) return close();
    read_header();
  }

  void read_header() {
    state_ = State::idle;
    head_ = false;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits().header_bytes));
    parser_->body_limit(limits().body_bytes);
    lowest().expires_after(limits().idle_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::on_header, self()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    state_ = State::reading;
    if (parser_->is_done()) return handle();
    auto expect = parser_->get().find(bhttp::field::expect);
    if (expect != parser_->get().end() && beast::iequals(expect->value(), "100-continue")) {
      // curl and others wait for this before sending a larger body.
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      lowest().expires_after(limits().write_timeout);
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = self()](beast::error_code e, std::size_t) {
                          if (e) return self->close();
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    lowest().expires_after(limits().read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::on_body, self()));
  }

  void on_body(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    handle();
  }

  void on_read_error(beast::error_code ec) {
    if (state_ == State::closed) return;
    bool begun = state_ == State::reading || buffer_.size() > 0 || (parser_ && parser_->got_some());
    if (ec == bhttp::error::body_limit)
      return fail_request(413, "payload_too_large",
                          "the body exceeds " + std::to_string(limits().body_bytes) + " bytes");
    if (ec == bhttp::error::header_limit)
      return fail_request(431, "bad_request",
                          "the request header exceeds " + std::to_string(limits().header_bytes) +
                              " bytes");
    if (ec == beast::error::timeout && begun)
      return fail_request(408, "timeout", "the request did not arrive in time");
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message)
      return fail_request(400, "bad_request", "malformed HTTP request: " + ec.message());
    close();  // the peer went away, timed out while idle, or we are shutting down
  }

  // Answers a request that could not be read whole, then closes: the rest of the stream
  // cannot be trusted to start a new request.
  void fail_request(unsigned status, std::string_view code, const std::string& message) {
    auto res = http::error_response(status, code, message);
    if (parser_) {
      auto origin = parser_->get().find(bhttp::field::origin);
      if (origin != parser_->get().end()) server_.dispatcher.add_cors(origin->value(), res);
    }
    keep_alive_ = false;
    write(std::move(res));
  }

  void handle() {
    state_ = State::handling;
    Request request = parser_->release();
    head_ = request.method() == bhttp::verb::head;
    auto out = server_.dispatcher.handle(request, *worker_.service, remote_);
    keep_alive_ = request.keep_alive() && !worker_.draining;
    if (out.deferred) return wait_for(std::move(out.deferred), request.version());
    if (out.feed_after && out.response.result() == bhttp::status::ok && !head_)
      return start_feed(std::move(out.response), *out.feed_after);
    out.response.version(request.version());
    write(std::move(out.response));
  }

  // The answer comes from another thread; it is written on this session's worker. The work
  // guard keeps the worker's io_context running (through a shutdown too) until then. The
  // session and the guard move on to the worker with the answer, so the other thread never
  // holds the last reference to either.
  void wait_for(Deferred deferred, unsigned version) {
    lowest().expires_never();
    deferred([session = self(), guard = asio::make_work_guard(worker_.ioc),
              version](Response res) mutable {
      auto& ioc = session->worker_.ioc;
      asio::post(ioc, [self = std::move(session), work = std::move(guard),
                       answer = std::move(res), version]() mutable {
        work.reset();
        if (self->state_ == State::closed) return;
        self->keep_alive_ = self->keep_alive_ && !self->worker_.draining;
        answer.version(version);
        self->write(std::move(answer));
      });
    });
  }

  void write(Response res) {
    state_ = State::writing;
    res.keep_alive(keep_alive_);
    lowest().expires_after(limits().write_timeout);
    if (head_) {
      // HEAD: GET's header, its Content-Length included, and no body.
      auto length = res.body().size();
      bool has_length = res.result() != bhttp::status::no_content &&
                        res.result() != bhttp::status::not_modified &&
                        res[bhttp::field::content_type] != "text/event-stream; charset=utf-8";
      head_response_ = std::make_unique<bhttp::response<bhttp::empty_body>>(std::move(res.base()));
      if (has_length) head_response_->content_length(length);
      bhttp::async_write(stream_, *head_response_,
                         beast::bind_front_handler(&Session::on_write, self()));
      return;
    }
    res.prepare_payload();
    response_ = std::make_unique<Response>(std::move(res));
    bhttp::async_write(stream_, *response_, beast::bind_front_handler(&Session::on_write, self()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    response_.reset();
    head_response_.reset();
    if (ec || !keep_alive_ || worker_.draining) return close();
    read_header();
  }

  // --- live feed -------------------------------------------------------------------------------

  void start_feed(Response header, std::int64_t after) {
    state_ = State::feed;
    feed_counted_ = true;
    server_.metrics.feed_opened();
    last_id_ = after;
    feed_header_ = std::make_unique<bhttp::response<bhttp::empty_body>>(bhttp::status::ok, 11);
    for (const auto& field : header) feed_header_->set(field.name_string(), field.value());
    feed_header_->keep_alive(true);
    feed_header_->chunked(true);
    feed_serializer_ =
        std::make_unique<bhttp::response_serializer<bhttp::empty_body>>(*feed_header_);
    lowest().expires_after(limits().write_timeout);
    bhttp::async_write_header(stream_, *feed_serializer_,
                              [self = self()](beast::error_code ec, std::size_t) {
                                if (ec) return self->close();
                                // Reconnect after 2 s; the browser sends Last-Event-ID.
                                self->write_chunk("retry: 2000\n\n");
                              });
  }

  void write_chunk(std::string text) {
    chunk_ = std::move(text);
    last_write_ = std::chrono::steady_clock::now();
    lowest().expires_after(limits().write_timeout);
    asio::async_write(stream_, bhttp::make_chunk(asio::buffer(chunk_)),
                      [self = self()](beast::error_code ec, std::size_t) {
                        if (ec) return self->close();
                        self->lowest().expires_never();
                        self->feed_turn();
                      });
  }

  // Sends the events after last_id_, or a keep-alive comment when quiet for long enough, or
  // waits one poll interval.
  void feed_turn() {
    if (state_ != State::feed) return;
    if (worker_.draining) return end_feed();
    std::string out;
    try {
      for (const auto& e : worker_.service->feed_after(last_id_, 100)) {
        out += "id: " + std::to_string(e.id) + "\nevent: " + e.type + "\ndata: " + e.data.dump() +
               "\n\n";
        last_id_ = e.id;
      }
    } catch (const std::exception& e) {
      std::cerr << "bridge: live feed: " << e.what() << '\n';
      return end_feed();
    }
    if (out.empty() && std::chrono::steady_clock::now() - last_write_ >=
                           server_.options.feed_keepalive)
      out = ": keep-alive\n\n";
    if (!out.empty()) return write_chunk(std::move(out));
    timer_.expires_after(server_.options.feed_poll);
    timer_.async_wait([self = self()](beast::error_code) { self->feed_turn(); });
  }

  void end_feed() {
    lowest().expires_after(limits().write_timeout);
    asio::async_write(stream_, bhttp::make_chunk_last(),
                      [self = self()](beast::error_code, std::size_t) { self->close(); });
    state_ = State::writing;  // drain() must not act twice
  }

  void close() {
    if (state_ == State::closed) return;
    state_ = State::closed;
    timer_.cancel();
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
  }

  Server::Impl& server_;
  Worker& worker_;
  Stream stream_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::unique_ptr<Response> response_;
  std::unique_ptr<bhttp::response<bhttp::empty_body>> head_response_;
  bool keep_alive_ = true;
  bool head_ = false;  // the request in hand is a HEAD
  State state_ = State::idle;
  // Live feed.
  asio::steady_timer timer_;
  std::unique_ptr<bhttp::response<bhttp::empty_body>> feed_header_;
  std::unique_ptr<bhttp::response_serializer<bhttp::empty_body>> feed_serializer_;
  std::string chunk_;
  std::int64_t last_id_ = 0;
  std::chrono::steady_clock::time_point last_write_;
  bool feed_counted_ = false;
};

}  // namespace

Server::Impl::Impl(ServerOptions o)
    : options(std::move(o)),
      metrics(route_labels()),
      recorder(std::make_unique<HitRecorder>(options.database)),
      dispatcher(options, metrics, *recorder) {
  if (options.threads == 0) options.threads = 1;
  if (options.tls) {
    tls.emplace(ssl::context::tls_server);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    try {
      tls->use_certificate_chain_file(options.tls->cert_file.string());
    } catch (const std::exception& e) {
      throw std::runtime_error("tls.cert_file: cannot use " + options.tls->cert_file.string() +
                               ": " + e.what());
    }
    try {
      tls->use_private_key_file(options.tls->key_file.string(), ssl::context::pem);
    } catch (const std::exception& e) {
      throw std::runtime_error("tls.key_file: cannot use " + options.tls->key_file.string() +
                               ": " + e.what());
    }
  }
  for (std::size_t i = 0; i < options.threads; ++i) {
    auto w = std::make_unique<Worker>();
    w->store = store::open_sqlite_store(options.database);
    w->service = std::make_unique<Service>(*w->store, options.engine);
    w->guard.emplace(w->ioc.get_executor());
    workers.push_back(std::move(w));
  }
  beast::error_code ec;
  auto address = asio::ip::make_address(options.address, ec);
  if (ec) throw std::runtime_error("listen: '" + options.address + "' is not an IP address");
  tcp::endpoint endpoint{address, options.port};
  acceptor.emplace(workers[0]->ioc);
  auto where = options.address + ":" + std::to_string(options.port);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("listen: cannot listen on " + where + ": " + ec.message());
  port = acceptor->local_endpoint().port();
  if (options.stop_on_signals) {
    signals.emplace(workers[0]->ioc, SIGINT, SIGTERM);
    signals->async_wait([this](beast::error_code e, int) {
      if (!e) request_stop();
    });
  }
}

Server::Impl::~Impl() {
  // Answers still queued are posted to the workers' io_contexts, which must still exist.
  recorder->stop();
}

void Server::Impl::accept() {
  auto& worker = *workers[next_worker++ % workers.size()];
  acceptor->async_accept(worker.ioc, [this, &worker](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
    if (!ec) {
      asio::post(worker.ioc, [this, &worker, s = std::move(socket)]() mutable {
        start_session(worker, std::move(s));
      });
    } else {
      std::cerr << "bridge: accept: " << ec.message() << '\n';
    }
    accept();
  });
}

void Server::Impl::start_session(Worker& worker, tcp::socket socket) {
  if (worker.draining) return;  // the socket closes as it goes out of scope
  beast::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  auto remote = socket.remote_endpoint(ec);
  std::string address = ec ? std::string() : remote.address().to_string();
  if (tls) {
    using TlsStream = beast::ssl_stream<beast::tcp_stream>;
    std::make_shared<Session<TlsStream>>(*this, worker,
                                         TlsStream(beast::tcp_stream(std::move(socket)), *tls),
                                         std::move(address))
        ->start();
  } else {
    std::make_shared<Session<beast::tcp_stream>>(*this, worker, beast::tcp_stream(std::move(socket)),
                                                 std::move(address))
        ->start();
  }
}

void Server::Impl::request_stop() {
  {
    std::lock_guard lock(mutex);
    if (stop_requested) return;
    stop_requested = true;
  }
  asio::post(workers[0]->ioc, [this] {
    beast::error_code ignored;
    acceptor->close(ignored);
    if (signals) signals->cancel(ignored);
  });
  for (auto& w : workers) {
    asio::post(w->ioc, [w = w.get()] {
      w->draining = true;
      auto sessions = w->sessions;  // drain() may end sessions
      for (auto* s : sessions) s->drain();
      w->guard.reset();
    });
  }
  changed.notify_all();
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Server::~Server() {
  request_stop();
  wait();
}

void Server::start() {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->started) return;
    impl_->started = true;
  }
  impl_->accept();
  for (auto& w : impl_->workers) {
    w->thread = std::thread([this, w = w.get()] {
      try {
        w->ioc.run();
      } catch (const std::exception& e) {
        std::cerr << "bridge: worker stopped: " << e.what() << '\n';
      }
      std::lock_guard lock(impl_->mutex);
      ++impl_->finished;
      impl_->changed.notify_all();
    });
  }
}

std::uint16_t Server::port() const { return impl_->port; }

std::string Server::url() const {
  const auto& a = impl_->options.address;
  auto host = a.find(':') != std::string::npos ? "[" + a + "]" : a;
  return std::string(impl_->tls ? "https" : "http") + "://" + host + ":" + std::to_string(port());
}

void Server::request_stop() { impl_->request_stop(); }

void Server::wait() {
  std::unique_lock lock(impl_->mutex);
  if (!impl_->started) return;
  impl_->changed.wait(lock, [&] { return impl_->stop_requested; });
  bool drained = impl_->changed.wait_for(lock, impl_->options.drain_timeout, [&] {
    return impl_->finished == impl_->workers.size();
  });
  lock.unlock();
  if (!drained)
    for (auto& w : impl_->workers) w->ioc.stop();
  for (auto& w : impl_->workers)
    if (w->thread.joinable()) w->thread.join();
  impl_->recorder->stop();
}

void Server::record_engine_tick(std::size_t sent, std::size_t deferred, std::size_t failed) {
  impl_->metrics.record_engine_tick(sent, deferred, failed);
}

void Server::record_engine_error() { impl_->metrics.record_engine_error(); }

}  // namespace touchpoint::bridge
