#pragma once
// Turns one claimed step into its work: an open task, a queued message, or an exclusion.
// Internal to touchpoint::engine.

#include <map>
#include <random>
#include <tuple>
#include <unordered_map>

#include <touchpoint/core/personalize.hpp>

#include <touchpoint/core/sequence.hpp>
#include <touchpoint/engine/engine.hpp>

namespace touchpoint::engine {

class StepRunner {
 public:
  StepRunner(store::Store& store, const EngineConfig& config, std::mt19937_64& random)
      : store_(store), config_(config), random_(random) {}

  // Carries out every step of the batch (not committing it) and counts the outcomes.
  void run(store::WorkBatch& batch, TickReport& report);

 private:
  struct Context {
    const core::Sequence& sequence;
    const core::Step& step;
    const core::Prospect& prospect;
    const core::User& owner;
  };

  void open_task(store::WorkBatch& batch, const store::DueStep& due, const Context& c,
                 TickReport& report);
  void queue_email(store::WorkBatch& batch, const store::DueStep& due, const Context& c,
                   TickReport& report);
  std::string new_message_id(const store::DueStep& due, const std::string& sender_email);

  // Which text of a step a template comes from.
  enum class Part { subject, body, note };
  // Renders one of a step's texts, compiling it once per tick.
  core::Result<std::string> render(const store::DueStep& due, Part part, const std::string& text,
                                   core::Escape escape,
                                   const std::map<std::string, std::string>& fields);

  const core::Sequence& sequence(core::SequenceVersionId id);
  const core::Prospect& prospect(core::ProspectId id);
  const core::User& user(core::UserId id);

  store::Store& store_;
  const EngineConfig& config_;
  std::mt19937_64& random_;
  // Read-through caches for one tick: sequence versions never change; prospects and users
  // are read once per tick.
  std::unordered_map<core::SequenceVersionId, core::Sequence> sequences_;
  std::unordered_map<core::ProspectId, core::Prospect> prospects_;
  std::unordered_map<core::UserId, core::User> users_;
  std::map<std::tuple<std::int64_t, int, Part>, core::CompiledTemplate> templates_;
};

}  // namespace touchpoint::engine
