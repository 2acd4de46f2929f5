#pragma once
// Reads each rep's IMAP folder for new mail and acts on it: the wiring between
// mail::ImapFetcher / mail::classify_inbound (connectors) and engine::handle_inbound.

#include <string>
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

// Polls every configured mailbox that has `imap`, once: the messages above the stored UID
// cursor, oldest first. The cursor moves past each message once it has been acted on, so a
// crash repeats at most one (and acting is once per Message-ID anyway).
std::vector<MailboxPoll> poll_mailboxes(store::Store& store, const Config& config,
                                        core::Timestamp now);

}  // namespace touchpoint::app
