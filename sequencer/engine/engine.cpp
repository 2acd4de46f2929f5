#include <touchpoint/engine/engine.hpp>

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
  // Each commit records the messages just sent and marks the next ones `sending` before the
  // first byte leaves: a crash leaves only those in the transport's hands `sending`, and
  // recover() turns them `unknown` instead of resending.
  std::vector<std::pair<core::MessageId, core::SendOutcome>> outcomes;
  for (auto group = store_.messages().advance({}, config_.send_group, now); !group.empty();
       group = store_.messages().advance(outcomes, config_.send_group, now)) {
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
  return report;
}

}  // namespace touchpoint::engine
