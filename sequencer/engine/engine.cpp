#include <touchpoint/engine/engine.hpp>

#include <pthread.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

#include "step_runner.hpp"

namespace touchpoint::engine {

Engine::Engine(store::Store& store, core::MailTransport* transport, EngineConfig config)
    : store_(store),
      transport_(transport),
      config_(std::move(config)),
      random_(std::random_device{}()) {}

std::size_t Engine::recover(core::Timestamp now) {
  return store_.messages().recover_in_flight(now);
}

namespace {

// Claims at most `limit` due steps, carries them out and commits; false when none was due.
bool claim_batch(store::Store& store, StepRunner& runner, core::Timestamp now, std::size_t limit,
                 TickReport& report) {
  auto batch = store.work().claim(now, limit);
  if (batch->steps().empty()) return false;
  runner.run(*batch, report);
  batch->commit();
  return true;
}

}  // namespace

TickReport Engine::claim_due(core::Timestamp now,
                             const std::function<void(const TickReport&)>& progress) {
  TickReport report;
  StepRunner runner(store_, config_, random_);
  while (claim_batch(store_, runner, now, config_.claim_batch, report))
    if (progress) progress(report);
  return report;
}

TickReport Engine::send_queued(core::Timestamp now) {
  return send_queued(now, {});
}

TickReport Engine::send_queued(core::Timestamp now, const std::function<bool()>& claim_next) {
  TickReport report;
  if (!transport_) return report;
  // Throttles: each sender's sends of the last day, read once per tick and kept up to date
  // here (an admitted message counts at `now` until its outcome says it did not leave). `now`
  // is fixed for the tick, so a held sender stays held for the rest of it.
  struct Sender {
    std::optional<core::SendLimits> limits;
    std::vector<core::Timestamp> sent;
  };
  std::map<std::string, Sender> senders;
  auto sender = [&](const std::string& from) -> Sender& {
    auto it = senders.find(from);
    if (it == senders.end()) {
      Sender s;
      s.limits = config_.limits(from);
      if (s.limits) s.sent = store_.messages().sent_since(from, now - core::kThrottleHorizon);
      it = senders.emplace(from, std::move(s)).first;
    }
    return it->second;
  };
  store::SendGate gate;
  if (config_.limits)
    gate = [&](const std::string& from) -> std::optional<store::SendHold> {
      auto& s = sender(from);
      if (!s.limits) return std::nullopt;
      auto decision = core::next_send_allowed(*s.limits, s.sent, now);
      if (decision.held(now)) {
        ++report.throttled;
        return store::SendHold{decision.at, core::describe_throttle(decision)};
      }
      s.sent.push_back(now);
      return std::nullopt;
    };
  auto tally = [&](const std::string& from_email, const core::SendOutcome& outcome) {
    switch (outcome.status) {
      case core::SendStatus::sent:
        ++report.sent;
        break;
      case core::SendStatus::transient:
        ++report.deferred;
        break;
      case core::SendStatus::permanent:
        ++report.failed;
        break;
      case core::SendStatus::unknown:
        ++report.unknown;
        break;
    }
    if (outcome.status != core::SendStatus::sent && outcome.status != core::SendStatus::unknown &&
        gate) {
      // Not sent: it no longer counts against its mailbox (as in sent_since); an `unknown` one
      // may have left, so it still counts.
      auto& sent = sender(from_email).sent;
      if (auto it = std::find(sent.begin(), sent.end(), now); it != sent.end()) sent.erase(it);
    }
  };
  // Each commit records the messages just sent and marks the next ones `sending` before the
  // first byte leaves: a crash leaves only those in the transport's hands `sending`, and
  // recover() turns them `unknown` instead of resending. The throttle is asked before a
  // message is marked, inside the same commit.
  std::vector<std::pair<core::MessageId, core::SendOutcome>> outcomes;
  if (config_.send_workers > 1) {
    send_in_parallel(now, gate, tally, claim_next);
    return report;
  }
  for (auto group = store_.messages().advance({}, config_.send_group, now, gate); !group.empty();
       group = store_.messages().advance(outcomes, config_.send_group, now, gate)) {
    outcomes.clear();
    for (auto& message : group) message.date = now;
    transport_->send_batch(group, [&](std::size_t i, core::SendOutcome outcome) {
      tally(group[i].from_email, outcome);
      outcomes.emplace_back(group[i].id, std::move(outcome));
    });
  }
  return report;
}

namespace {

// Hands messages to a thread-safe transport on several threads at once. Only the caller's
// thread touches the store: it submits what advance() marked `sending` and collects what
// completed.
class SendPool {
 public:
  struct Completed {
    core::OutgoingMessage message;
    core::SendOutcome outcome;
    std::exception_ptr fault;  // the transport threw: the message stays `sending`
  };

  SendPool(core::MailTransport& transport, std::size_t workers) : transport_(transport) {
    threads_.reserve(workers);
    for (std::size_t i = 0; i < workers; ++i)
      threads_.emplace_back([this] {
        ::pthread_setname_np(::pthread_self(), "tp-send");  // for top, perf and gdb
        work();
      });
  }
  ~SendPool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    jobs_ready_.notify_all();
    for (auto& t : threads_) t.join();
  }
  SendPool(const SendPool&) = delete;
  SendPool& operator=(const SendPool&) = delete;

  void submit(std::vector<core::OutgoingMessage>& messages) {
    {
      std::lock_guard lock(mutex_);
      for (auto& m : messages) jobs_.push_back(std::move(m));
    }
    // Wake as many workers as there are new jobs, not every worker for one job.
    if (messages.size() >= threads_.size())
      jobs_ready_.notify_all();
    else
      for (std::size_t i = 0; i < messages.size(); ++i) jobs_ready_.notify_one();
  }

  // Blocks until at least `at_least` sends have completed; returns every completed one.
  std::vector<Completed> wait_completed(std::size_t at_least) {
    std::unique_lock lock(mutex_);
    wanted_ = at_least;
    done_ready_.wait(lock, [&] { return done_.size() >= at_least; });
    wanted_ = 0;
    return std::exchange(done_, {});
  }

 private:
  void work() {
    std::vector<core::OutgoingMessage> batch;
    for (;;) {
      std::unique_lock lock(mutex_);
      jobs_ready_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      // A fair share of what is queued, so that every connection has work, and at most
      // kMaxBatch: the transport may overlap consecutive messages of a batch.
      const std::size_t take =
          std::min(kMaxBatch, std::max<std::size_t>(1, jobs_.size() / threads_.size()));
      batch.clear();
      for (std::size_t i = 0; i < take; ++i) {
        batch.push_back(std::move(jobs_.front()));
        jobs_.pop_front();
      }
      lock.unlock();
      std::vector<std::optional<core::SendOutcome>> outcomes(batch.size());
      std::exception_ptr fault;
      try {
        transport_.send_batch(batch, [&](std::size_t i, core::SendOutcome outcome) {
          outcomes[i] = std::move(outcome);
        });
      } catch (...) {
        fault = std::current_exception();
      }
      complete(batch, outcomes, fault);
    }
  }

  // Hands the batch back: each message with its outcome, or with the fault when the transport
  // threw before giving it one.
  void complete(std::vector<core::OutgoingMessage>& batch,
                std::vector<std::optional<core::SendOutcome>>& outcomes,
                const std::exception_ptr& fault) {
    std::unique_lock lock(mutex_);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (outcomes[i])
        done_.push_back({std::move(batch[i]), std::move(*outcomes[i]), nullptr});
      else
        done_.push_back({std::move(batch[i]),
                         {},
                         fault ? fault
                               : std::make_exception_ptr(std::logic_error(
                                     "the mail transport gave a message no outcome"))});
    }
    // Wake the caller only once what it waits for is there: one wake-up per commit, not one
    // per message.
    const bool enough = wanted_ > 0 && done_.size() >= wanted_;
    lock.unlock();
    if (enough) done_ready_.notify_one();
  }

  static constexpr std::size_t kMaxBatch = 8;

  core::MailTransport& transport_;
  std::mutex mutex_;
  std::condition_variable jobs_ready_;
  std::condition_variable done_ready_;
  std::deque<core::OutgoingMessage> jobs_;
  std::vector<Completed> done_;
  std::size_t wanted_ = 0;  // completions the caller waits for; 0: it is not waiting
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

std::size_t Engine::send_window() const {
  return std::max(config_.send_group, config_.send_workers);
}

// A sliding window: at most send_group messages are `sending` at once (the most a crash can
// leave `unknown`). Each commit records every send completed since the last one and marks as
// many new messages `sending`, so the transport is never idle while the store writes. Between
// commits, `claim_next` (when set) claims the next batch of due steps, until it returns false:
// the sending threads work while this one claims.
void Engine::send_in_parallel(
    core::Timestamp now, const store::SendGate& gate,
    const std::function<void(const std::string&, const core::SendOutcome&)>& tally,
    const std::function<bool()>& claim_next) {
  const std::size_t window = send_window();
  SendPool pool(*transport_, config_.send_workers);
  auto start = [&](std::vector<core::OutgoingMessage> group) {
    for (auto& m : group) m.date = now;
    const std::size_t n = group.size();
    pool.submit(group);
    return n;
  };
  std::size_t in_flight = start(store_.messages().advance({}, window, now, gate));
  std::exception_ptr fault;
  bool claiming = static_cast<bool>(claim_next);
  std::vector<std::pair<core::MessageId, core::SendOutcome>> outcomes;
  while (in_flight > 0 || claiming) {
    if (claiming) {
      try {
        claiming = claim_next();
      } catch (...) {  // the batch rolled back; what is in flight is still recorded
        claiming = false;
        if (!fault) fault = std::current_exception();
      }
    }
    outcomes.clear();
    // While claiming, what has completed is taken without waiting: the next batch is work.
    // Otherwise commit in groups of a quarter of the window: fewer, larger transactions,
    // while the other three quarters keep the transport busy.
    const std::size_t group =
        claiming || in_flight == 0 ? 0 : std::clamp<std::size_t>(window / 4, 1, in_flight);
    for (auto& c : pool.wait_completed(group)) {
      --in_flight;
      if (c.fault) {
        // Left `sending`, so recover() makes it `unknown`: the transport may have sent it.
        if (!fault) fault = c.fault;
        continue;
      }
      tally(c.message.from_email, c.outcome);
      outcomes.emplace_back(c.message.id, std::move(c.outcome));
    }
    // After a fault nothing new starts; what is in flight still has its outcome recorded.
    const std::size_t refill = fault ? 0 : window - in_flight;
    if (outcomes.empty() && refill == 0) continue;  // nothing to write
    in_flight += start(store_.messages().advance(outcomes, refill, now, gate));
  }
  if (fault) std::rethrow_exception(fault);
}

TickReport Engine::tick(core::Timestamp now,
                        const std::function<void(const TickReport&)>& progress) {
  TickReport report;
  TickReport sending;
  if (transport_ && config_.send_workers > 1) {
    // Sending starts with the first claimed batch. Batches of at most the send window: a
    // longer claim would leave the connections idle once the window has drained.
    StepRunner runner(store_, config_, random_);
    const std::size_t limit = std::min(config_.claim_batch, send_window());
    sending = send_queued(now, [&] {
      if (!claim_batch(store_, runner, now, limit, report)) return false;
      if (progress) progress(report);
      return true;
    });
  } else {
    report = claim_due(now, progress);
    sending = send_queued(now);
  }
  report.sent = sending.sent;
  report.deferred = sending.deferred;
  report.failed = sending.failed;
  report.unknown = sending.unknown;
  report.throttled = sending.throttled;
  return report;
}

}  // namespace touchpoint::engine
