#pragma once
// Inbound mail, the push half: watches one mailbox's IMAP folder with IDLE (RFC 2177) and says
// when new mail has arrived, so that the poller fetches at once instead of at its next interval.
// It never reads a message itself: ImapFetcher (vmime, which has no IDLE) does, as on a poll.
//
// A small client of its own over Asio and OpenSSL, honouring the mailbox's TLS (none, STARTTLS,
// implicit), CA file and LOGIN, like ImapFetcher. The folder is opened with EXAMINE: read-only.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <touchpoint/mail/imap_fetcher.hpp>

namespace touchpoint::mail {

// What a watcher reports to its listener, on the watcher's own thread.
struct IdleEvent {
  enum class Kind {
    idling,       // logged in, folder open, IDLE accepted: new mail will be reported from
                  // here on; mail that came while not idling is not, so fetch once now
    new_mail,     // the server said "* n EXISTS" during IDLE: fetch now
    refresh,      // IDLE was renewed after `refresh` without news: a safety-net fetch is due
    not_offered,  // the server's CAPABILITY has no IDLE: the watcher has ended; poll instead
    failed,       // connection, TLS, login or protocol failure; retried after `detail`'s backoff
  };
  Kind kind = Kind::idling;
  // For `failed`: what went wrong, naming the host, never the password ("imap host: ...",
  // "auth: ...", "tls: ..."), and when the next try is.
  std::string detail;
};

struct IdleOptions {
  // RFC 2177: servers may log a client out after 30 minutes of IDLE; renew before that.
  std::chrono::seconds refresh{29 * 60};
  // After a failure the next connection waits first_backoff, doubling up to max_backoff; a
  // session that reached IDLE resets it.
  std::chrono::milliseconds first_backoff{1000};
  std::chrono::milliseconds max_backoff{5 * 60 * 1000};
};

class ImapIdleWatcher {
 public:
  using Listener = std::function<void(const IdleEvent&)>;

  // Starts a thread that connects, logs in, checks CAPABILITY for IDLE, EXAMINEs
  // `settings.folder` and IDLEs, reporting to `listener` (called on that thread; it must not
  // block for long, and must not throw). Connection failures are retried with backoff until
  // stopped; a server without IDLE ends the thread after reporting `not_offered`.
  // `settings.timeout_seconds` bounds each command's wait (not the IDLE wait itself).
  ImapIdleWatcher(ImapSettings settings, Listener listener, IdleOptions options = {});
  // Stops: leaves IDLE with DONE and LOGOUT when connected; returns within about a second.
  ~ImapIdleWatcher();
  ImapIdleWatcher(const ImapIdleWatcher&) = delete;
  ImapIdleWatcher& operator=(const ImapIdleWatcher&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace touchpoint::mail
