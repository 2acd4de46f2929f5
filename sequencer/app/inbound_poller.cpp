#include "inbound_poller.hpp"

#include <touchpoint/mail/imap_fetcher.hpp>
#include <touchpoint/mail/inbound.hpp>

namespace touchpoint::app {
namespace {

constexpr std::size_t kFetchBatch = 100;

}  // namespace

std::vector<MailboxPoll> poll_mailboxes(store::Store& store, const Config& config,
                                        core::Timestamp now) {
  // Our own mail seen again (a copy to self, a shared folder) is never a prospect's reply.
  std::set<std::string> ours;
  for (const auto& u : store.users().list()) ours.insert(u.email);

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
        auto mail = mail::classify_inbound(fetched.raw);
        if (!mail::is_own(mail, ours))
          poll.outcomes.push_back(engine::handle_inbound(store, mail, now));
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
