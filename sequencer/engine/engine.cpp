#include <touchpoint/engine/engine.hpp>

#include <algorithm>
#include <map>

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

TickReport Engine::claim_due(core::Timestamp now,
                             const std::function<void(const TickReport&)>& progress) {
  TickReport report;
  StepRunner runner(store_, config_, random_);
  for (;;) {
    auto batch = store_.work().claim(now, config_.claim_batch);
    if (batch->steps().empty()) break;
    runner.run(*batch, report);
    batch->commit();
    if (progress) progress(report);
  }
  return report;
}

TickReport Engine::send_queued(core::Timestamp now) {
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
  // Each commit records the messages just sent and marks the next ones `sending` before the
  // first byte leaves: a crash leaves only those in the transport's hands `sending`, and
  // recover() turns them `unknown` instead of resending. The throttle is asked before a
  // message is marked, inside the same commit.
  std::vector<std::pair<core::MessageId, core::SendOutcome>> outcomes;
  for (auto group = store_.messages().advance({}, config_.send_group, now, gate); !group.empty();
       group = store_.messages().advance(outcomes, config_.send_group, now, gate)) {
    outcomes.clear();
    for (auto& message : group) {
      message.date = now;
      auto outcome = transport_->send(message);
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
      }
      if (outcome.status != core::SendStatus::sent && gate) {
        // Not sent: it no longer counts against its mailbox (as in sent_since).
        auto& sent = sender(message.from_email).sent;
        if (auto it = std::find(sent.begin(), sent.end(), now); it != sent.end()) sent.erase(it);
      }
      outcomes.emplace_back(message.id, std::move(outcome));
    }
  }
  return report;
}

TickReport Engine::tick(core::Timestamp now,
                        const std::function<void(const TickReport&)>& progress) {
  TickReport report = claim_due(now, progress);
  TickReport sending = send_queued(now);
  report.sent = sending.sent;
  report.deferred = sending.deferred;
  report.failed = sending.failed;
  report.throttled = sending.throttled;
  return report;
}

}  // namespace touchpoint::engine
