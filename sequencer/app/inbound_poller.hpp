#pragma once
// Reads each rep's IMAP folder for new mail and acts on it: the wiring between
// mail::ImapFetcher / mail::classify_inbound (connectors) and engine::handle_inbound.

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <touchpoint/engine/inbound.hpp>
#include <touchpoint/store/store.hpp>

#include "config.hpp"

namespace touchpoint::app {

struct MailboxPoll {
  std::string mailbox;  // "rep@x.test/INBOX"
  std::size_t fetched = 0;
  std::vector<engine::InboundOutcome> outcomes;
  std::string error;  // a connection or login failure; the next poll tries again
};

// The reps' addresses: mail from them seen again (a copy to self, a shared folder) is never a
// prospect's reply.
std::set<std::string> our_addresses(store::Store& store);

// Classifies one raw message and acts on it (engine::handle_inbound); our own mail gives kind
// "own" and action "ignored".
engine::InboundOutcome act_on_raw(store::Store& store, std::string_view raw,
                                  const std::set<std::string>& ours, core::Timestamp now);

// Polls every configured mailbox that has `imap`, once: the messages above the stored UID
// cursor, oldest first. The cursor moves past each message once it has been acted on, so a
// crash repeats at most one (and acting is once per Message-ID anyway).
std::vector<MailboxPoll> poll_mailboxes(store::Store& store, const Config& config,
                                        core::Timestamp now);

}  // namespace touchpoint::app
