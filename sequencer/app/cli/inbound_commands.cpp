// inbound: act on received mail given as RFC 5322 files (what the IMAP poller will feed).
#include <touchpoint/engine/inbound.hpp>

#include "../inbound_poller.hpp"
#include "commands.hpp"
#include "table.hpp"

namespace touchpoint::app {
namespace {

int run_inbound(Context& ctx, const Args& args) {
  if (args.positional.empty())
    throw UsageError("usage: touchpoint inbound FILE.eml [FILE.eml ...]");
  auto& store = ctx.store();
  auto now = ctx.now(args);
  const auto ours = our_addresses(store);

  auto results = nlohmann::ordered_json::array();
  Table table({"FILE", "KIND", "ACTION", "ENROLLMENTS", "DETAIL"});
  for (const auto& path : args.positional) {
    auto outcome = act_on_raw(store, read_file(path), ours, now);
    std::vector<std::int64_t> ids;
    std::string list;
    for (auto id : outcome.enrollments) {
      ids.push_back(id.value);
      list += (list.empty() ? "" : " ") + std::to_string(id.value);
    }
    results.push_back({{"file", path},
                       {"message_id", outcome.message_id},
                       {"kind", outcome.kind},
                       {"action", outcome.action},
                       {"enrollments", ids},
                       {"detail", outcome.detail}});
    table.add({path, outcome.kind, outcome.action, list, outcome.detail});
  }
  args.flag("json") ? print_json(ctx.out, results) : table.print(ctx.out);
  return 0;
}

// Polls every configured IMAP folder once.
int run_fetch(Context& ctx, const Args& args) {
  auto polls = poll_mailboxes(ctx.store(), ctx.config, ctx.now(args));
  if (polls.empty()) throw UsageError("no mailbox in the configuration has \"imap\"");
  auto results = nlohmann::ordered_json::array();
  Table table({"MAILBOX", "FETCHED", "REPLIES", "AUTO-REPLIES", "BOUNCES", "ERROR"});
  bool failed = false;
  for (const auto& p : polls) {
    std::size_t replies = 0, auto_replies = 0, bounces = 0;
    auto outcomes = nlohmann::ordered_json::array();
    for (const auto& o : p.outcomes) {
      replies += o.kind == "reply";
      auto_replies += o.kind == "auto_reply";
      bounces += o.kind == "hard_bounce" || o.kind == "soft_bounce";
      outcomes.push_back({{"kind", o.kind}, {"action", o.action}, {"detail", o.detail}});
    }
    failed = failed || !p.error.empty();
    results.push_back({{"mailbox", p.mailbox},
                       {"fetched", p.fetched},
                       {"outcomes", outcomes},
                       {"error", p.error}});
    table.add({p.mailbox, std::to_string(p.fetched), std::to_string(replies),
               std::to_string(auto_replies), std::to_string(bounces), p.error});
  }
  args.flag("json") ? print_json(ctx.out, results) : table.print(ctx.out);
  return failed ? 1 : 0;
}

}  // namespace

void add_inbound_commands(std::vector<Command>& out) {
  out.push_back({"fetch",
                 "[--json]",
                 "read every configured IMAP folder once and act on the new mail",
                 {{"now"}, {"json"}},
                 run_fetch});
  out.push_back({"inbound",
                 "FILE.eml [FILE.eml ...] [--json]",
                 "act on received mail: replies end, out-of-office pauses, bounces are recorded",
                 {{"now"}, {"json"}},
                 run_inbound});
}

}  // namespace touchpoint::app
