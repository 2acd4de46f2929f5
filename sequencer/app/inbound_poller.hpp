#pragma once
// Reads each rep's IMAP folder for new mail and acts on it: the wiring between
// mail::ImapFetcher / mail::ImapIdleWatcher / mail::classify_inbound (connectors) and
// engine::handle_inbound.

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <touchpoint/mail/imap_idle.hpp>

#include <touchpoint/engine/inbound.hpp>
#include <touchpoint/store/store.hpp>

#include "config.hpp"

namespace touchpoint::app {

struct MailboxPoll {
  std::string mailbox;  // "rep@x.test/INBOX"
  // Why it was read: "once" (poll_mailboxes, fetch), "first" (InboundWatch's first read),
  // "idle" (its IDLE watcher said new mail, or renewed IDLE) or "interval" (no working IDLE).
  std::string reason = "once";
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

// `serve`'s inbound mail: every mailbox with `imap` gets an IDLE watcher (its own thread and
// connection), and is read with the fetcher when the watcher reports new mail, else every
// poll_interval while IDLE is not working (not offered, or the connection failing: the
// watcher retries with backoff), or while the last read failed. Each mailbox is read once at
// the start, and again each time its watcher (re)enters IDLE, for mail that came meanwhile.
struct InboundWatchOptions {
  std::chrono::milliseconds poll_interval{60 * 1000};
  bool idle = true;  // false: poll only
  mail::IdleOptions idle_options;
  // Where the watchers' news goes (IDLE started, not offered, failures with their backoff):
  // one line each, without secrets. Called from the watchers' threads. Default: std::cerr.
  std::function<void(const std::string&)> log;
};

// The options `serve` runs InboundWatch with: the configuration's "inbound" keys.
InboundWatchOptions watch_options(const Config& config);

class InboundWatch {
 public:
  // Starts the IDLE watchers; reads nothing yet.
  InboundWatch(const Config& config, InboundWatchOptions options);
  ~InboundWatch();  // stops the watchers
  InboundWatch(const InboundWatch&) = delete;
  InboundWatch& operator=(const InboundWatch&) = delete;

  // Reads the mailboxes that are due (see above) and acts on their new mail; returns one
  // MailboxPoll for each mailbox read, with its reason. Call it from the thread that owns
  // `store` (serve: the engine's, after each tick). Not thread-safe; the watchers are.
  std::vector<MailboxPoll> poll_due(store::Store& store, core::Timestamp now);

  // True while the mailbox's ("rep@x.test/INBOX") watcher is in IDLE.
  bool idling(const std::string& mailbox) const;

 private:
  struct Watched;
  InboundWatchOptions options_;
  std::vector<std::unique_ptr<Watched>> mailboxes_;
};

}  // namespace touchpoint::app
