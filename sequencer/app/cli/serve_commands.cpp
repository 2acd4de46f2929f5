// serve, token create.
#include <algorithm>
#include <charconv>
#include <iostream>
#include <thread>

#include <touchpoint/bridge/server.hpp>
#include <touchpoint/bridge/service.hpp>
#include <touchpoint/engine/engine_lock.hpp>
#include <touchpoint/engine/engine_loop.hpp>

#include "../inbound_poller.hpp"
#include "commands.hpp"
#include "sync_schedule.hpp"

#ifndef TOUCHPOINT_COMMAND_CENTER_DIR
#define TOUCHPOINT_COMMAND_CENTER_DIR "plugins/command-center"
#endif

namespace touchpoint::app {
namespace {

// "127.0.0.1:8080" or "[::1]:8080" into the server's address and port.
void parse_listen(const std::string& listen, const std::string& where,
                  bridge::ServerOptions& options) {
  auto colon = listen.rfind(':');
  auto fail = [&] {
    throw UsageError(where + ": '" + listen + "' is not an address and port like 127.0.0.1:8080");
  };
  if (colon == std::string::npos || colon == 0) fail();
  auto host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  auto digits = std::string_view(listen).substr(colon + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || end != digits.data() + digits.size() || port > 65535) fail();
  options.address = host == "localhost" ? "127.0.0.1" : host;
  options.port = static_cast<std::uint16_t>(port);
}

// The command center's files: the configured folder, else the source tree's, else one beside
// the working directory.
std::filesystem::path command_center_dir(const Config& config) {
  if (!config.serve.static_dir.empty()) return config.serve.static_dir;
  for (std::filesystem::path candidate : {std::filesystem::path(TOUCHPOINT_COMMAND_CENTER_DIR),
                                          std::filesystem::path("plugins/command-center")}) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate / "index.html", ec)) return candidate;
  }
  return {};
}

bridge::ServerOptions server_options(Context& ctx, const Args& args) {
  const auto& serve = ctx.config.serve;
  bridge::ServerOptions options;
  if (auto listen = args.option("listen"))
    parse_listen(*listen, "--listen", options);
  else
    parse_listen(ctx.config.listen, "listen", options);
  options.threads = serve.threads;
  if (auto t = args.option("threads")) {
    unsigned n = 0;
    auto [end, ec] = std::from_chars(t->data(), t->data() + t->size(), n);
    if (ec != std::errc() || end != t->data() + t->size() || n == 0 || n > 256)
      throw UsageError("--threads: '" + *t + "' is not a whole number from 1 to 256");
    options.threads = n;
  }
  options.database = ctx.db_path;
  options.engine = ctx.engine_config();
  options.cors_origins = serve.cors_origins;
  options.trusted_proxies = serve.trusted_proxies;
  if (!serve.tls_cert_file.empty())
    options.tls = bridge::TlsFiles{serve.tls_cert_file, serve.tls_key_file};
  options.limits.body_bytes = serve.body_bytes;
  options.limits.header_bytes = serve.header_bytes;
  options.limits.read_timeout = std::chrono::seconds(serve.read_timeout_seconds);
  options.limits.idle_timeout = std::chrono::seconds(serve.idle_timeout_seconds);
  options.static_dir = command_center_dir(ctx.config);
  options.stop_on_signals = true;
  return options;
}

// The engine beside the server: ticks every second under the EngineLock, and after each tick
// reads the reps' IMAP folders that are due: at once when IDLE reports new mail, else every
// inbound.poll_seconds (InboundWatch). The store stays on this thread; the IDLE watchers only
// wake it.
void run_engine(Context& ctx, bridge::Server& server, std::stop_token stop) {
  engine::EngineLock lock(ctx.db_path);
  auto store = store::open_sqlite_store(ctx.db_path, {.checkpoint_in_background = true});
  auto transport = ctx.transport();
  engine::Engine engine(*store, transport.get(), ctx.engine_config());
  InboundWatch inbound(ctx.config, watch_options(ctx.config));
  engine::LoopOptions loop;
  loop.now = core::clock_now;
  loop.on_tick = [&](const engine::TickReport& r) {
    server.record_engine_tick(r.sent, r.deferred, r.failed);
    for (const auto& poll : inbound.poll_due(*store, core::clock_now()))
      if (!poll.error.empty()) std::cerr << "fetch " << poll.mailbox << ": " << poll.error << '\n';
  };
  loop.on_error = [&](const std::string& message) {
    server.record_engine_error();
    std::cerr << "engine: " << message << '\n';
  };
  engine::run_loop(engine, loop, stop);
}

int run_serve(Context& ctx, const Args& args) {
  ctx.store();  // create or migrate the database once, before the workers open it
  auto options = server_options(ctx, args);
  bridge::Server server(options);
  std::jthread engine;
  if (!args.flag("no-engine"))
    engine = std::jthread([&](std::stop_token stop) {
      try {
        run_engine(ctx, server, stop);
      } catch (const std::exception& e) {
        std::cerr << "engine stopped: " << e.what() << '\n';
        server.record_engine_error();
      }
    });
  // The Salesforce push and pull on their interval, with their own store (sync_schedule.hpp).
  std::jthread salesforce_sync([&](std::stop_token stop) {
    try {
      run_salesforce_schedule(ctx, std::cerr, stop);
    } catch (const std::exception& e) {
      std::cerr << "salesforce sync stopped: " << e.what() << '\n';
    }
  });
  server.start();
  ctx.out << "Touchpoint is serving on " << server.url() << " (" << options.threads
          << " threads, database " << ctx.db_path.string()
          << (args.flag("no-engine") ? ", engine off" : ", engine on") << ")\n";
  if (options.static_dir.empty())
    ctx.out << "No command center files found (set \"static_dir\" in the configuration)\n";
  ctx.out << "Stop with Ctrl-C or SIGTERM." << std::endl;
  server.wait();
  if (engine.joinable()) {
    engine.request_stop();
    engine.join();
  }
  salesforce_sync.request_stop();
  salesforce_sync.join();
  ctx.out << "Stopped." << std::endl;
  return 0;
}

int run_token_create(Context& ctx, const Args& args) {
  auto email = args.option("user").value_or("");
  if (email.empty()) throw UsageError("--user: is required (the rep's email)");
  auto user = ctx.store().users().find(email);
  if (!user) throw UsageError("--user: no rep with the email '" + email + "' (see user list)");
  bridge::Service service(ctx.store(), ctx.engine_config());
  auto token = service.create_token(user->id, ctx.now(args));
  ctx.out << "API token for " << user->name << " <" << user->email
          << ">; it is shown only this once (only its hash is stored):\n"
          << token << '\n';
  return 0;
}

}  // namespace

void add_serve_commands(std::vector<Command>& out) {
  out.push_back({"serve",
                 "[--listen HOST:PORT] [--threads N] [--no-engine]",
                 "run the HTTP bridge (API, tracking, live feed, command center) and the engine",
                 {{"listen", "threads"}, {"no-engine"}},
                 run_serve});
  out.push_back({"token create",
                 "--user EMAIL",
                 "issue an API bearer token for a rep (printed alone on the last line)",
                 {{"user", "now"}, {}},
                 run_token_create});
}

}  // namespace touchpoint::app
