#include "context.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <touchpoint/engine/prospect_intake.hpp>
#include <touchpoint/mail/folder_transport.hpp>
#include <touchpoint/mail/mailbox_router.hpp>
#include <touchpoint/mail/smtp_transport.hpp>

namespace touchpoint::app {

store::Store& Context::store() {
  // Engine work (tick, demo) and imports write much: the log is checkpointed beside them.
  if (!store_) store_ = store::open_sqlite_store(db_path, {.checkpoint_in_background = true});
  return *store_;
}

core::Timestamp Context::now(const Args& args) const {
  if (auto given = args.option("now")) return parse_instant_arg("--now", *given);
  if (const char* env = std::getenv("TOUCHPOINT_NOW"); env && *env)
    return parse_instant_arg("TOUCHPOINT_NOW", env);
  return core::clock_now();
}

std::filesystem::path Context::outbox() const {
  if (!config.outbox.empty()) return config.outbox;
  auto dir = db_path.parent_path();
  return (dir.empty() ? std::filesystem::path(".") : dir) / "outbox";
}

std::unique_ptr<core::MailTransport> Context::transport() const {
  if (config.mailboxes.empty()) return std::make_unique<mail::FolderTransport>(outbox());
  auto router = std::make_unique<mail::MailboxRouter>();
  for (const auto& m : config.mailboxes)
    router->add(m.owner, std::make_unique<mail::SmtpTransport>(m.smtp));
  return router;
}

std::function<std::optional<core::SendLimits>(const std::string&)> Context::send_limits() const {
  if (config.mailboxes.empty()) return {};
  auto lower = [](std::string s) {
    for (auto& c : s)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
  };
  std::map<std::string, core::SendLimits> by_owner;
  for (const auto& m : config.mailboxes) by_owner.emplace(lower(m.owner), m.limits);
  return [lower, by_owner = std::move(by_owner)](
             const std::string& from_email) -> std::optional<core::SendLimits> {
    auto it = by_owner.find(lower(from_email));
    if (it == by_owner.end()) return std::nullopt;
    return it->second;
  };
}

engine::EngineConfig Context::engine_config() const {
  engine::EngineConfig engine;
  engine.public_url = config.public_url;
  engine.tracking_secret = config.tracking_secret;
  engine.limits = send_limits();
  // Send over every connection the mailboxes allow (one each unless configured), unless the
  // configuration says otherwise; at most send_group messages are `sending` at once (the
  // engine raises it to send_workers when a configured group is smaller than the default).
  std::size_t connections = 0;
  for (const auto& m : config.mailboxes)
    connections += std::max<std::size_t>(m.smtp.connections, 1);
  engine.send_workers =
      config.engine.send_workers.value_or(std::clamp<std::size_t>(connections, 1, 256));
  engine.send_group = config.engine.send_group.value_or(engine.send_workers);
  engine.claim_batch = config.engine.claim_batch;
  return engine;
}

std::string Context::mail_destination() const {
  if (config.mailboxes.empty()) return outbox().string() + " (no mailboxes configured)";
  return std::to_string(config.mailboxes.size()) + " rep mailboxes";
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read " + path.string());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

core::Timestamp parse_instant_arg(const std::string& name, const std::string& text) {
  auto t = core::parse_instant(text);
  if (!t)
    throw UsageError(name + ": '" + text +
                     "' is not an ISO 8601 instant with an offset, like 2026-03-02T08:15:00Z");
  return *t;
}

core::ProspectBatch read_prospects_file(store::Store& store, const std::filesystem::path& path) {
  auto batch = engine::read_prospects_csv(store, read_file(path));
  if (!batch) throw UsageError(path.string() + ": " + batch.error().message);
  return std::move(*batch);
}

void report_row_errors(std::ostream& err, const core::ProspectBatch& batch) {
  for (const auto& e : batch.errors) err << "skipped " << e.message << '\n';
}

}  // namespace touchpoint::app
