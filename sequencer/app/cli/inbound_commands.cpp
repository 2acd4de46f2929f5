// inbound: act on received mail given as RFC 5322 files (what the IMAP poller will feed).
#include <touchpoint/engine/inbound.hpp>
#include <touchpoint/mail/inbound.hpp>

#include "commands.hpp"
#include "table.hpp"

namespace touchpoint::app {
namespace {

int run_inbound(Context& ctx, const Args& args) {
  if (args.positional.empty())
    throw UsageError("usage: touchpoint inbound FILE.eml [FILE.eml ...]");
  auto& store = ctx.store();
  auto now = ctx.now(args);
  // Our own mail seen again (a copy to self, a shared folder) is never a prospect's reply.
  std::set<std::string> ours;
  for (const auto& u : store.users().list()) ours.insert(u.email);

  auto results = nlohmann::ordered_json::array();
  Table table({"FILE", "KIND", "ACTION", "ENROLLMENTS", "DETAIL"});
  for (const auto& path : args.positional) {
    auto mail = mail::classify_inbound(read_file(path));
    engine::InboundOutcome outcome;
    if (mail::is_own(mail, ours)) {
      outcome.kind = "own";
      outcome.action = "ignored";
    } else {
      outcome = engine::handle_inbound(store, mail, now);
    }
    std::vector<std::int64_t> ids;
    std::string list;
    for (auto id : outcome.enrollments) {
      ids.push_back(id.value);
      list += (list.empty() ? "" : " ") + std::to_string(id.value);
    }
    results.push_back({{"file", path},
                       {"message_id", mail.message_id},
                       {"kind", outcome.kind},
                       {"action", outcome.action},
                       {"enrollments", ids},
                       {"detail", outcome.detail}});
    table.add({path, outcome.kind, outcome.action, list, outcome.detail});
  }
  args.flag("json") ? print_json(ctx.out, results) : table.print(ctx.out);
  return 0;
}

}  // namespace

void add_inbound_commands(std::vector<Command>& out) {
  out.push_back({"inbound",
                 "FILE.eml [FILE.eml ...] [--json]",
                 "act on received mail: replies end, out-of-office pauses, bounces are recorded",
                 {{"now"}, {"json"}},
                 run_inbound});
}

}  // namespace touchpoint::app
