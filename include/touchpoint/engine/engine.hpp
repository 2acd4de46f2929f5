#pragma once
// The engine: claims due steps from the store and hands their work to the ports — emails to
// the outgoing queue and the mail transport, manual work to the reps' task queues.

#include <cstddef>
#include <functional>
#include <optional>
#include <random>
#include <string>

#include <touchpoint/core/ports.hpp>
#include <touchpoint/core/throttle.hpp>
#include <touchpoint/store/store.hpp>

namespace touchpoint::engine {

struct EngineConfig {
  std::size_t claim_batch = 500;  // steps per claiming transaction
  std::size_t send_group = 1;     // messages marked `sending` at once: the most a crash can
                                  // leave `unknown` (the sender's pipeline depth); at least
                                  // send_workers are, whatever this says
  std::size_t send_workers = 1;   // messages handed to the transport at once, each on its own
                                  // thread; 1: one at a time on the caller's thread. Above 1
                                  // the transport must be thread-safe; at most send_group
                                  // are in flight, each commit refilling what completed
  std::string public_url;         // for unsubscribe links and tracking; empty: mailto only
  std::string tracking_secret;    // signs the tracking tokens; a secret: never logged
  // The send limits of a sender's mailbox, by the From address; empty function or nullopt:
  // that sender is not throttled. A throttled sender's messages stay queued, with the release
  // instant as next_attempt_at and the limit in their detail (DESIGN.md §3.1).
  std::function<std::optional<core::SendLimits>(const std::string& from_email)> limits;
};

struct TickReport {
  std::size_t tasks_opened = 0;
  std::size_t messages_queued = 0;
  std::size_t excluded = 0;
  std::size_t sent = 0;
  std::size_t deferred = 0;   // transient failures, retried later
  std::size_t failed = 0;     // permanent failures
  std::size_t unknown = 0;    // lost after the content was handed over: `unknown`, not resent
  std::size_t throttled = 0;  // times a sender's mailbox was held by its limits
  std::size_t recovered_unknown = 0;
};

class Engine {
 public:
  // `transport` may be null: messages then stay queued (claim-only runs, benchmarks).
  Engine(store::Store& store, core::MailTransport* transport, EngineConfig config);

  // Marks messages left `sending` by a crashed run as `unknown`. Call once, holding the
  // EngineLock, before the first tick.
  std::size_t recover(core::Timestamp now);

  // Runs all work due at or before `now`: claims due steps batch by batch until none is left,
  // and sends the queued messages. With send_workers above 1, sending starts after the first
  // batch and goes on while the later ones are claimed; otherwise it follows the claiming.
  // `progress`, when set, is called after each batch.
  TickReport tick(core::Timestamp now, const std::function<void(const TickReport&)>& progress = {});

  // Only the claiming half of tick(): steps become tasks or queued messages.
  TickReport claim_due(core::Timestamp now,
                       const std::function<void(const TickReport&)>& progress = {});
  // Only the sending half of tick().
  TickReport send_queued(core::Timestamp now);

 private:
  // send_queued() that calls `claim_next` between commits while it returns true (claiming
  // one batch each time): how tick() claims and sends at once. Only with send_workers > 1
  // (tick() claims first otherwise).
  TickReport send_queued(core::Timestamp now, const std::function<bool()>& claim_next);
  // send_queued() with send_workers > 1: the sliding window of sends in flight.
  void send_in_parallel(
      core::Timestamp now, const store::SendGate& gate,
      const std::function<void(const std::string&, const core::SendOutcome&)>& tally,
      const std::function<bool()>& claim_next);
  // Messages `sending` at once: send_group, and at least one per worker.
  std::size_t send_window() const;

  store::Store& store_;
  core::MailTransport* transport_;
  EngineConfig config_;
  std::mt19937_64 random_;
};

}  // namespace touchpoint::engine
