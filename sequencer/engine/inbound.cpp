#include <touchpoint/engine/inbound.hpp>

namespace touchpoint::engine {
namespace {

using Kind = core::InboundMail::Kind;

constexpr auto kPauseWithoutReturnDate = date::days{7};

std::string kind_name(const core::InboundMail& mail) {
  switch (mail.kind) {
    case Kind::reply:
      return "reply";
    case Kind::auto_reply:
      return "auto_reply";
    case Kind::bounce:
      return mail.bounce_kind == core::InboundMail::BounceKind::hard ? "hard_bounce"
                                                                     : "soft_bounce";
    case Kind::delivered:
      return "delivered";
    case Kind::other:
      break;
  }
  return "other";
}

bool live(const core::Enrollment& e) {
  return e.state == core::EnrollmentState::active || e.state == core::EnrollmentState::paused;
}

// The enrollments a message is about: the one of the sent message it refers to, else every
// live enrollment of the address.
std::vector<core::Enrollment> match(store::Store& store, const std::optional<store::SentRef>& sent,
                                    const std::string& address,
                                    std::optional<core::ProspectId>& prospect) {
  std::vector<core::Enrollment> out;
  if (sent) {
    if (auto e = store.enrollments().get(sent->enrollment)) {
      prospect = e->prospect;
      if (live(*e)) out.push_back(*e);
      return out;
    }
  }
  auto p = address.empty() ? std::nullopt : store.prospects().find(address);
  if (!p) return out;
  prospect = p->id;
  for (auto& e : store.enrollments().list({std::nullopt, p->id}))
    if (live(e)) out.push_back(std::move(e));
  return out;
}

bool exits_on(store::Store& store, const core::Enrollment& e, core::ExitCause cause) {
  auto seq = store.sequences().load_version(e.version);
  return seq && seq->exit_on.contains(cause);
}

// With stop_company_on_reply, a reply also ends the sequence for everybody else at the
// replier's email domain.
void stop_company(store::Store& store, const core::Enrollment& replied, core::Timestamp now,
                  InboundOutcome& out) {
  auto seq = store.sequences().load_version(replied.version);
  auto replier = store.prospects().get(replied.prospect);
  if (!seq || !seq->stop_company_on_reply || !replier) return;
  auto at = replier->email.rfind('@');
  if (at == std::string::npos) return;
  store::ProspectFilter colleagues;
  colleagues.email_domain = replier->email.substr(at + 1);
  for (const auto& p : store.prospects().list(colleagues)) {
    if (p.id == replier->id) continue;
    for (const auto& e : store.enrollments().list({replied.sequence, p.id}))
      if (live(e) && store.enrollments().exit(e.id, core::ExitCause::reply, now)) {
        out.enrollments.push_back(e.id);
        out.action = "exited";
      }
  }
}

// Local midnight of the return date in the enrollment's zone.
core::Timestamp start_of(date::year_month_day day, const std::string& zone_name) {
  const auto* zone = core::find_zone(zone_name);
  if (!zone) zone = core::find_zone("UTC");
  return core::to_instant(core::LocalTime{date::local_days{day}}, *zone);
}

InboundOutcome act(store::Store& store, const core::InboundMail& mail, core::Timestamp now,
                   InboundOutcome out);

}  // namespace

InboundOutcome handle_inbound(store::Store& store, const core::InboundMail& mail,
                              core::Timestamp now) {
  InboundOutcome out;
  out.message_id = mail.message_id;
  out.kind = kind_name(mail);
  if (mail.kind == Kind::other) {
    out.action = "ignored";
    return out;
  }
  // Acted on once: the id is remembered after the actions, so a crash in between repeats
  // them (each is idempotent but for a second event row) rather than losing them.
  if (!mail.message_id.empty() && store.inbound().seen(mail.message_id)) {
    out.action = "duplicate";
    return out;
  }
  out = act(store, mail, now, std::move(out));
  if (!mail.message_id.empty()) store.inbound().remember(mail.message_id, out.kind, now);
  return out;
}

namespace {

InboundOutcome act(store::Store& store, const core::InboundMail& mail, core::Timestamp now,
                   InboundOutcome out) {
  std::optional<core::ProspectId> prospect;
  const bool report = mail.kind == Kind::bounce || mail.kind == Kind::delivered;
  std::vector<std::string> ids = mail.refers_to;
  // A delivery report names the message it is about; the report itself is from the MTA.
  if (report && !mail.original_message_id.empty()) ids.push_back(mail.original_message_id);
  const auto sent = store.inbound().sent_message(ids);
  const auto matched = match(store, sent, report ? mail.recipient : mail.from_email, prospect);
  if (!prospect) {
    out.action = "unmatched";
    return out;
  }

  std::string detail = report ? mail.status : mail.subject;
  std::optional<core::EnrollmentId> first;
  if (!matched.empty()) first = matched.front().id;
  // A delivery is the sent message's event even when its enrollment has ended since (a reply
  // can arrive before the delivery report does).
  if (mail.kind == Kind::delivered && !first && sent) first = sent->enrollment;
  store.inbound().record(now, out.kind, first, prospect, detail, sent);
  out.action = "recorded";

  switch (mail.kind) {
    case Kind::reply:
      for (const auto& e : matched) {
        if (exits_on(store, e, core::ExitCause::reply) &&
            store.enrollments().exit(e.id, core::ExitCause::reply, now)) {
          out.enrollments.push_back(e.id);
          out.action = "exited";
        }
        stop_company(store, e, now, out);
      }
      break;
    case Kind::auto_reply:
      for (const auto& e : matched) {
        auto until =
            mail.return_date ? start_of(*mail.return_date, e.zone) : now + kPauseWithoutReturnDate;
        if (until <= now) continue;  // already back
        if (store.enrollments().pause(e.id, until, now)) {
          out.enrollments.push_back(e.id);
          out.action = "paused";
          out.detail = "until " + core::format_utc(until);
        }
      }
      break;
    case Kind::bounce:
      if (mail.bounce_kind == core::InboundMail::BounceKind::hard) {
        store.inbound().mark_hard_bounced(*prospect, now);
        for (const auto& e : matched)
          if (exits_on(store, e, core::ExitCause::bounce) &&
              store.enrollments().exit(e.id, core::ExitCause::bounce, now)) {
            out.enrollments.push_back(e.id);
            out.action = "exited";
          }
      }
      break;
    case Kind::delivered:  // recorded above; the enrollment goes on
    case Kind::other:
      break;
  }
  return out;
}

}  // namespace
}  // namespace touchpoint::engine
