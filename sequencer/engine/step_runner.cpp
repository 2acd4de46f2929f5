#include "step_runner.hpp"

#include <touchpoint/core/message_id.hpp>
#include <touchpoint/core/personalize.hpp>
#include <touchpoint/core/threading.hpp>
#include <touchpoint/core/tracking.hpp>

namespace touchpoint::engine {

void StepRunner::run(store::WorkBatch& batch, TickReport& report) {
  for (const auto& due : batch.steps()) {
    const auto& seq = sequence(due.version);
    const auto& step = seq.steps.at(static_cast<std::size_t>(due.position - 1));
    const Context c{seq, step, user(due.owner)};
    if (step.type != core::StepType::email) {
      // A call, task or LinkedIn step opens as it is: its title and note are personalized
      // when the task is read (store::NewTask), so it needs neither prospect nor rendering.
      store::NewTask task;
      task.type = step.type;
      batch.open_task(due, task);
      ++report.tasks_opened;
      continue;
    }
    // An email, automatic or manual, is personalized now: a missing field excludes it here.
    // The values are built once, with just the fields its texts name.
    const auto& prospect = batch.prospect(due);
    const core::TemplateValues values(prospect, c.owner, &fields_of(due, step));
    if (step.creates_task())
      open_manual_email(batch, due, c, values, report);
    else
      queue_email(batch, due, c, prospect, values, report);
  }
}

void StepRunner::open_manual_email(store::WorkBatch& batch, const store::DueStep& due,
                                   const Context& c, const core::TemplateValues& values,
                                   TickReport& report) {
  // A manual email is personalized like an automatic one, so the rep never starts from a
  // broken greeting.
  auto subject = render(due, Part::subject, c.step.message.subject, core::Escape::none, values);
  auto body =
      subject ? render(due, Part::body, c.step.message.body, core::Escape::html, values) : subject;
  if (!body) {
    batch.exclude(due, body.error().message);
    ++report.excluded;
    return;
  }
  store::NewTask task;
  task.type = c.step.type;
  task.subject = *subject;
  task.body = *body;
  batch.open_task(due, task);
  ++report.tasks_opened;
}

void StepRunner::queue_email(store::WorkBatch& batch, const store::DueStep& due, const Context& c,
                             const core::Prospect& prospect, const core::TemplateValues& values,
                             TickReport& report) {
  core::OutgoingMessage m;
  auto body = render(due, Part::body, c.step.message.body, core::Escape::html, values);
  std::optional<store::ThreadParent> parent;
  if (c.step.mode == core::SendMode::thread_previous)
    parent = batch.thread_parent(due.enrollment, due.position);
  core::Result<std::string> subject =
      parent ? core::Result<std::string>(core::reply_subject(parent->subject))
             : render(due, Part::subject, c.step.message.subject, core::Escape::none, values);
  if (!subject || !body) {
    batch.exclude(due, (!subject ? subject : body).error().message);
    ++report.excluded;
    return;
  }
  m.subject = *subject;
  m.html = *body;
  // Tracking goes on this step's own text; a quoted earlier email keeps its own links.
  const core::TrackingUrls urls{config_.public_url, config_.tracking_secret, due.id.value};
  const bool tracked_urls = !urls.public_url.empty() && !urls.secret.empty();
  if (tracked_urls && c.sequence.track) m.html = core::add_tracking(m.html, urls);
  if (parent) {
    m.in_reply_to = parent->message_id;
    m.references = core::reply_references(parent->references, parent->message_id);
    m.html = core::quote_below(m.html, core::without_open_pixel(parent->html), parent->date,
                               zone(due.zone), parent->from_name, parent->from_email);
  }
  // Sorts in claim order, so the unique index over Message-IDs grows at one end.
  m.message_id = core::step_message_id(due.due_at, due.id.value, random_(), c.owner.email);
  m.date = due.due_at;
  m.from_name = c.owner.name;
  m.from_email = c.owner.email;
  m.to_name = core::full_name(prospect.first_name, prospect.last_name);
  if (m.to_name == prospect.email) m.to_name.clear();
  m.to_email = prospect.email;
  m.unsubscribe_mailto = "mailto:" + c.owner.email + "?subject=unsubscribe";
  if (tracked_urls) m.unsubscribe_url = core::unsubscribe_url(urls);
  batch.queue_message(due, std::move(m));
  ++report.messages_queued;
}

const std::set<std::string>& StepRunner::fields_of(const store::DueStep& due,
                                                   const core::Step& step) {
  auto key = std::pair{due.version.value, due.position};
  auto it = fields_.find(key);
  if (it == fields_.end()) {
    std::set<std::string> names;
    for (const auto* text : {&step.message.subject, &step.message.body}) {
      // A text that does not parse fails its render; it needs no values.
      if (auto named = core::analyze_template(*text)) names.merge(named->used);
    }
    it = fields_.emplace(key, std::move(names)).first;
  }
  return it->second;
}

core::Result<std::string> StepRunner::render(const store::DueStep& due, Part part,
                                             const std::string& text, core::Escape escape,
                                             const core::TemplateValues& values) {
  auto key = std::tuple{due.version.value, due.position, part};
  auto it = templates_.find(key);
  if (it == templates_.end()) {
    auto compiled = core::CompiledTemplate::compile(text, escape);
    if (!compiled) return tl::unexpected(compiled.error());
    it = templates_.emplace(key, std::move(*compiled)).first;
  }
  return it->second.render(values);
}

namespace {

// Read-through: the cached value, or `load(id)` stored first. Throws when the row is gone,
// which the claim's joins rule out short of a corrupt database.
template <typename Map, typename Id, typename Load>
const typename Map::mapped_type& cached(Map& map, Id id, Load load, const char* what) {
  auto it = map.find(id);
  if (it == map.end()) {
    auto loaded = load(id);
    if (!loaded)
      throw std::runtime_error(std::string(what) + " " + std::to_string(id.value) + " is missing");
    it = map.emplace(id, std::move(*loaded)).first;
  }
  return it->second;
}

}  // namespace

const core::Sequence& StepRunner::sequence(core::SequenceVersionId id) {
  return cached(
      sequences_, id, [&](auto v) { return store_.sequences().load_version(v); },
      "sequence version");
}

const core::User& StepRunner::user(core::UserId id) {
  return cached(
      users_, id, [&](auto v) { return store_.users().get(v); }, "user");
}

const date::time_zone& StepRunner::zone(const std::string& name) {
  auto it = zones_.find(name);
  if (it == zones_.end()) {
    // Enrollments store a zone the tz database knew when they were made.
    const auto* found = core::find_zone(name);
    if (!found) throw std::runtime_error("time zone " + name + " is unknown");
    it = zones_.emplace(name, found).first;
  }
  return *it->second;
}

}  // namespace touchpoint::engine
