#include <touchpoint/core/schedule.hpp>

#include <touchpoint/core/calendar.hpp>

namespace touchpoint::core {
namespace {

using std::chrono::seconds;

LocalDate local_date_of(Timestamp t, const date::time_zone& zone) {
  return date::floor<date::days>(to_local(t, zone));
}

TimeOfDay time_of_day(Timestamp t, const date::time_zone& zone) {
  auto local = to_local(t, zone);
  return local - date::floor<date::days>(local);
}

Timestamp at(LocalDate day, TimeOfDay tod, const date::time_zone& zone) {
  return to_instant(LocalTime{day} + tod, zone);
}

// One pass of rules 3 to 7 for a given day 1.
class Planner {
 public:
  Planner(const Sequence& seq, const date::time_zone& zone, Timestamp start,
          std::span<const int> shifts)
      : seq_(seq),
        zone_(zone),
        start_(start),
        shifts_(shifts),
        calendar_(seq.skip_weekends, seq.holidays),
        d0_(local_date_of(start, zone)) {}

  LocalDate first_day1() const { return calendar_.first_allowed_from(d0_); }
  LocalDate next_allowed(LocalDate day) const { return calendar_.advance(day, 1); }

  // Rule 6 for a timed email: before `from` moves to `from`; at or after `to` moves to `from`
  // on the next allowed date.
  Timestamp apply_window(Timestamp t) const {
    if (!seq_.window) return t;
    auto tod = time_of_day(t, zone_);
    auto day = local_date_of(t, zone_);
    if (tod < seq_.window->from) return at(day, seq_.window->from, zone_);
    if (tod >= seq_.window->to) return at(next_allowed(day), seq_.window->from, zone_);
    return t;
  }

  // The rule-4 instant of a timed email before rules 5 and 6.
  Timestamp rule4_instant(const Step& step, LocalDate day,
                          const std::optional<Timestamp>& previous_email) const {
    switch (*step.mode) {
      case SendMode::choose_at_start:
        return day == d0_ ? start_ : at(day, time_of_day(start_, zone_), zone_);
      case SendMode::at_time:
        return at(day, *step.at, zone_);
      case SendMode::same_as_previous:
      case SendMode::thread_previous: {
        // Validation guarantees an earlier automatic email.
        Timestamp prev = *previous_email;
        Timestamp t = at(day, time_of_day(prev, zone_), zone_);
        if (day == local_date_of(prev, zone_) && t < prev) return prev;
        return t;
      }
      case SendMode::manual:
        break;
    }
    return start_;
  }

  // True when the first step is an at_time email that, after rule 6, falls before S (rule 5's
  // late start).
  bool late_start(LocalDate day1) const {
    const Step& first = seq_.steps.front();
    if (first.type != StepType::email || first.mode != SendMode::at_time) return false;
    LocalDate day = calendar_.advance(day1, first.day - 1 + shift(0));
    return apply_window(at(day, *first.at, zone_)) < start_;
  }

  std::vector<PlannedStep> plan(LocalDate day1) const {
    std::vector<PlannedStep> out;
    out.reserve(seq_.steps.size());
    std::optional<Timestamp> previous_email;
    for (std::size_t i = 0; i < seq_.steps.size(); ++i) {
      const Step& step = seq_.steps[i];
      PlannedStep p;
      p.position = step.position;
      p.day = step.day;
      p.type = step.type;
      p.mode = step.mode;
      p.thread = step.mode == SendMode::thread_previous;
      p.date = calendar_.advance(day1, step.day - 1 + shift(i));
      if (step.creates_task()) {
        // Rule 4 for tasks: the window's start on the step's date, or S if later.
        p.action = StepAction::task;
        TimeOfDay from = seq_.window ? seq_.window->from : TimeOfDay{0};
        p.due_at = std::max(at(p.date, from, zone_), start_);
      } else {
        p.action = StepAction::send;
        Timestamp t = rule4_instant(step, p.date, previous_email);
        t = std::max(t, start_);  // rule 5
        t = apply_window(t);      // rule 6
        p.due_at = t;
        previous_email = t;
      }
      out.push_back(p);
    }
    return out;
  }

 private:
  int shift(std::size_t i) const { return i < shifts_.size() ? shifts_[i] : 0; }

  const Sequence& seq_;
  const date::time_zone& zone_;
  Timestamp start_;
  std::span<const int> shifts_;
  Calendar calendar_;
  LocalDate d0_;
};

}  // namespace

ResolvedZone resolve_zone(const Sequence& sequence, std::string_view prospect_zone,
                          std::string_view owner_zone) {
  std::vector<std::string_view> candidates;
  switch (sequence.zone_rule) {
    case ZoneRule::fixed:
      candidates = {sequence.fixed_zone};
      break;
    case ZoneRule::prospect:
      candidates = {prospect_zone, owner_zone};
      break;
    case ZoneRule::owner:
      candidates = {owner_zone};
      break;
  }
  candidates.push_back(sequence.default_timezone);
  for (auto name : candidates)
    if (const auto* zone = find_zone(name)) return {std::string(name), zone};
  return {"UTC", date::locate_zone("UTC")};
}

Plan plan_schedule(const Sequence& sequence, const ResolvedZone& zone, Timestamp start,
                   std::span<const int> shifts) {
  Planner planner(sequence, *zone.zone, start, shifts);
  Plan plan;
  plan.zone = zone;
  plan.day1 = planner.first_day1();
  // The late start moves day 1 to the next allowed date; once is enough, since every date
  // after S's own date starts after S.
  if (!sequence.steps.empty() && planner.late_start(plan.day1))
    plan.day1 = planner.next_allowed(plan.day1);
  plan.steps = planner.plan(plan.day1);
  return plan;
}

}  // namespace touchpoint::core
