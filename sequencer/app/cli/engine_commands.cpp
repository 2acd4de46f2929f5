// tick, messages.
#include <cstdlib>
#include <touchpoint/engine/engine.hpp>
#include <touchpoint/engine/engine_lock.hpp>

#include "commands.hpp"
#include "table.hpp"

namespace touchpoint::app {
namespace {

int run_tick(Context& ctx, const Args& args) {
  auto now = ctx.now(args);
  auto& store = ctx.store();
  // One engine per SQLite database; a crashed one's in-flight sends become `unknown`.
  engine::EngineLock lock(ctx.db_path);
  auto transport = ctx.transport();
  auto config = ctx.engine_config();
  if (auto b = args.option("batch")) {
    char* end = nullptr;
    config.claim_batch = std::strtoul(b->c_str(), &end, 10);
    if (b->empty() || *end != '\0' || config.claim_batch == 0)
      throw UsageError("--batch: '" + *b + "' is not a positive whole number");
  }
  engine::Engine engine(store, transport.get(), config);
  auto recovered = engine.recover(now);
  bool json = args.flag("json");
  auto report = engine.tick(now, [&](const engine::TickReport& r) {
    if (!json)
      ctx.err << "\rclaimed " << r.tasks_opened + r.messages_queued + r.excluded << " steps"
              << std::flush;
  });
  if (!json && report.tasks_opened + report.messages_queued + report.excluded > 0) ctx.err << '\n';
  if (json) {
    print_json(ctx.out, {{"now", core::format_utc(now)},
                         {"tasks_opened", report.tasks_opened},
                         {"messages_queued", report.messages_queued},
                         {"excluded", report.excluded},
                         {"sent", report.sent},
                         {"deferred", report.deferred},
                         {"failed", report.failed},
                         {"unknown", report.unknown},
                         {"throttled", report.throttled},
                         {"recovered_unknown", recovered}});
  } else {
    ctx.out << "Tick at " << core::format_utc(now) << ": " << report.tasks_opened
            << " tasks opened, " << report.messages_queued << " emails queued, " << report.excluded
            << " excluded, " << report.sent << " sent, " << report.deferred << " deferred, "
            << report.failed << " failed";
    if (report.unknown)
      ctx.out << ", " << report.unknown
              << " unknown (the connection was lost after the content left; not resent)";
    if (report.throttled)
      ctx.out << "; " << report.throttled
              << " mailboxes held by their send limits (`messages` shows until when)";
    if (recovered) ctx.out << "; " << recovered << " interrupted sends marked unknown (not resent)";
    ctx.out << '\n';
  }
  return 0;
}

int run_messages(Context& ctx, const Args& args) {
  auto messages = ctx.store().messages().list(std::nullopt);
  if (args.flag("json")) {
    auto list = nlohmann::ordered_json::array();
    for (const auto& m : messages)
      list.push_back(
          {{"id", m.message.id.value},
           {"message_id", m.message.message_id},
           {"enrollment", m.enrollment.value},
           {"position", m.position},
           {"state", store::to_string(m.state)},
           {"to", m.message.to_email},
           {"from", m.message.from_email},
           {"subject", m.message.subject},
           {"in_reply_to", m.message.in_reply_to},
           {"references", m.message.references},
           {"due_at", core::format_utc(m.due_at)},
           {"sent_at", m.sent_at ? nlohmann::ordered_json(core::format_utc(*m.sent_at)) : nullptr},
           {"detail", m.detail}});
    print_json(ctx.out, list);
    return 0;
  }
  // DETAIL: why a message waits or failed ("throttled: per_minute 30 until ...", a 4xx reply).
  Table table({"ID", "STATE", "TO", "STEP", "DUE", "SUBJECT", "DETAIL"});
  for (const auto& m : messages)
    table.add({std::to_string(m.message.id.value), store::to_string(m.state), m.message.to_email,
               std::to_string(m.position), core::format_utc(m.due_at), m.message.subject,
               m.detail});
  args.flag("csv") ? table.print_csv(ctx.out) : table.print(ctx.out);
  return 0;
}

}  // namespace

void add_engine_commands(std::vector<Command>& out) {
  out.push_back({"tick",
                 "[--now ISO8601] [--batch N] [--json]",
                 "run all work due up to now (default: the clock), then exit",
                 {{"now", "batch"}, {"json"}},
                 run_tick});
  out.push_back({"messages",
                 "[--json|--csv]",
                 "list outgoing emails and their delivery state",
                 {{}, {"json", "csv"}},
                 run_messages});
}

}  // namespace touchpoint::app
