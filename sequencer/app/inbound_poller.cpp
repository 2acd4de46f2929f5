#include "inbound_poller.hpp"

#include <iostream>
#include <mutex>
#include <optional>

#include <touchpoint/mail/imap_fetcher.hpp>
#include <touchpoint/mail/inbound.hpp>

namespace touchpoint::app {
namespace {

constexpr std::size_t kFetchBatch = 100;

std::string mailbox_name(const Mailbox& m) {
  return m.owner + "/" + m.imap->folder;
}

// Reads one mailbox's folder above its stored UID cursor, oldest first. The cursor moves past
// each message once it has been acted on, so a crash repeats at most one (and acting is once
// per Message-ID anyway).
MailboxPoll poll_mailbox(store::Store& store, const Mailbox& m, const std::set<std::string>& ours,
                         core::Timestamp now) {
  MailboxPoll poll;
  poll.mailbox = mailbox_name(m);
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
  return poll;
}

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
  for (const auto& m : config.mailboxes)
    if (m.imap) polls.push_back(poll_mailbox(store, m, ours, now));
  return polls;
}

// One mailbox under watch. The watcher's thread sets the flags; the engine's thread reads them.
struct InboundWatch::Watched {
  Mailbox mailbox;
  std::string name;
  mutable std::mutex mutex;
  bool woken = false;        // new mail reported (or IDLE renewed, or just started): read now
  bool idling = false;       // IDLE is working: no interval polls
  bool polled = false;       // read at least once
  bool read_failed = false;  // the last read failed: retried at the interval, IDLE or not
  std::chrono::steady_clock::time_point last_poll{};
  std::unique_ptr<mail::ImapIdleWatcher> watcher;  // last member: stopped first

  void on_idle_event(const mail::IdleEvent& e, const std::function<void(const std::string&)>& log,
                     std::chrono::milliseconds interval) {
    using Kind = mail::IdleEvent::Kind;
    {
      std::lock_guard lock(mutex);
      if (e.kind == Kind::idling || e.kind == Kind::new_mail || e.kind == Kind::refresh)
        woken = true;
      if (e.kind == Kind::idling) idling = true;
      if (e.kind == Kind::failed || e.kind == Kind::not_offered) idling = false;
    }
    const std::string seconds = interval.count() % 1000 == 0
                                    ? std::to_string(interval.count() / 1000) + " s"
                                    : std::to_string(interval.count()) + " ms";
    switch (e.kind) {
      case Kind::idling:
        log("imap " + name + ": IDLE: new mail is read as it arrives");
        break;
      case Kind::not_offered:
        log("imap " + name + ": " + e.detail + "; polling every " + seconds);
        break;
      case Kind::failed:
        log("imap " + name + ": IDLE: " + e.detail + " (polling every " + seconds + " meanwhile)");
        break;
      case Kind::new_mail:
      case Kind::refresh:
        break;
    }
  }
};

InboundWatchOptions watch_options(const Config& config) {
  InboundWatchOptions options;
  options.poll_interval = std::chrono::seconds(config.inbound.poll_seconds);
  options.idle = config.inbound.idle;
  return options;
}

InboundWatch::InboundWatch(const Config& config, InboundWatchOptions options)
    : options_(std::move(options)) {
  if (!options_.log) options_.log = [](const std::string& line) { std::cerr << line << '\n'; };
  for (const auto& m : config.mailboxes) {
    if (!m.imap) continue;
    auto w = std::make_unique<Watched>();
    w->mailbox = m;
    w->name = mailbox_name(m);
    if (options_.idle) {
      Watched* self = w.get();
      w->watcher = std::make_unique<mail::ImapIdleWatcher>(
          *m.imap,
          [self, log = options_.log, interval = options_.poll_interval](const mail::IdleEvent& e) {
            self->on_idle_event(e, log, interval);
          },
          options_.idle_options);
    }
    mailboxes_.push_back(std::move(w));
  }
}

InboundWatch::~InboundWatch() = default;

std::vector<MailboxPoll> InboundWatch::poll_due(store::Store& store, core::Timestamp now) {
  std::vector<MailboxPoll> polls;
  std::optional<std::set<std::string>> ours;
  const auto at = std::chrono::steady_clock::now();
  for (auto& w : mailboxes_) {
    std::string reason;
    {
      std::lock_guard lock(w->mutex);
      if (!w->polled)
        reason = "first";
      else if (w->woken)
        reason = "idle";
      else if ((!w->idling || w->read_failed) && at - w->last_poll >= options_.poll_interval)
        reason = "interval";
      if (reason.empty()) continue;
      // Cleared before reading: news that arrives during the read wakes the next call.
      w->woken = false;
      w->polled = true;
      w->last_poll = at;
      w->read_failed = true;  // until it succeeds (an exception leaves it so)
    }
    if (!ours) ours = our_addresses(store);
    auto poll = poll_mailbox(store, w->mailbox, *ours, now);
    poll.reason = reason;
    if (poll.error.empty()) {
      std::lock_guard lock(w->mutex);
      w->read_failed = false;
    }
    polls.push_back(std::move(poll));
  }
  return polls;
}

bool InboundWatch::idling(const std::string& mailbox) const {
  for (const auto& w : mailboxes_) {
    if (w->name != mailbox) continue;
    std::lock_guard lock(w->mutex);
    return w->idling;
  }
  return false;
}

}  // namespace touchpoint::app
