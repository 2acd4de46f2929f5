#pragma once
// Turns one claimed step into its work: an open task, a queued message, or an exclusion.
// Internal to touchpoint::engine.

#include <map>
#include <random>
#include <set>
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
    const core::User& owner;
  };

  // `values`: the prospect's and owner's, built once for the step's subject and body.
  void open_manual_email(store::WorkBatch& batch, const store::DueStep& due, const Context& c,
                         const core::TemplateValues& values, TickReport& report);
  void queue_email(store::WorkBatch& batch, const store::DueStep& due, const Context& c,
                   const core::Prospect& prospect, const core::TemplateValues& values,
                   TickReport& report);

  // Which text of an email step a template comes from.
  enum class Part { subject, body };
  // Renders one of a step's texts, compiling it once per tick.
  core::Result<std::string> render(const store::DueStep& due, Part part, const std::string& text,
                                   core::Escape escape, const core::TemplateValues& values);

  // Every field the email step's subject and body name: the only values its renders need.
  const std::set<std::string>& fields_of(const store::DueStep& due, const core::Step& step);

  const core::Sequence& sequence(core::SequenceVersionId id);
  const core::User& user(core::UserId id);
  const date::time_zone& zone(const std::string& name);

  store::Store& store_;
  const EngineConfig& config_;
  std::mt19937_64& random_;
  // Read-through caches for one tick: sequence versions never change; users are read once
  // per tick (prospects come with their claimed steps).
  std::unordered_map<core::SequenceVersionId, core::Sequence> sequences_;
  std::unordered_map<core::UserId, core::User> users_;
  std::unordered_map<std::string, const date::time_zone*> zones_;
  std::map<std::tuple<std::int64_t, int, Part>, core::CompiledTemplate> templates_;
  std::map<std::pair<std::int64_t, int>, std::set<std::string>> fields_;
};

}  // namespace touchpoint::engine
