#include "inbound_poller.hpp"

#include <touchpoint/mail/imap_fetcher.hpp>
#include <touchpoint/mail/inbound.hpp>

namespace touchpoint::app {
namespace {

constexpr std::size_t kFetchBatch = 100;

}  // namespace

std::set<std::string> our_addresses(store::Store& store) {
  std::set<std::string> ours;
  for (const auto& u : store.users().list()) ours.insert(u.email);
  return ours;
}

engine::InboundOutcome act_on_raw(store::Store& store, std::string_view raw,
                                  const std::set<std::string>& ours, core::Timestamp now) {
  auto mail = mail::classify_inbound(raw);
  if (!mail::is_own(mail, ours)) return engine::handle_inbound(store, mail, now);
  engine::InboundOutcome own;
  own.message_id = mail.message_id;
  own.kind = "own";
  own.action = "ignored";
  return own;
}

std::vector<MailboxPoll> poll_mailboxes(store::Store& store, const Config& config,
                                        core::Timestamp now) {
  const auto ours = our_addresses(store);

  std::vector<MailboxPoll> polls;
  for (const auto& m : config.mailboxes) {
    if (!m.imap) continue;
    MailboxPoll poll;
    poll.mailbox = m.owner + "/" + m.imap->folder;
    mail::ImapFetcher fetcher(*m.imap);
    auto [validity, last_uid] = store.inbound().cursor(poll.mailbox);
    for (;;) {
      auto result = fetcher.fetch_since(validity, last_uid, kFetchBatch);
      if (!result.error.empty()) {
        poll.error = result.error;
        break;
      }
      // A new UIDVALIDITY restarts from the top; Message-IDs already acted on are skipped.
      if (result.uid_validity != validity) last_uid = 0;
      validity = result.uid_validity;
      for (const auto& fetched : result.messages) {
        poll.outcomes.push_back(act_on_raw(store, fetched.raw, ours, now));
        last_uid = fetched.uid;
        store.inbound().save_cursor(poll.mailbox, validity, last_uid);
        ++poll.fetched;
      }
      if (result.messages.size() < kFetchBatch) {
        store.inbound().save_cursor(poll.mailbox, validity, last_uid);
        break;
      }
    }
    polls.push_back(std::move(poll));
  }
  return polls;
}

}  // namespace touchpoint::app
