// The public tracking endpoints: /o/<token> (open pixel), /c/<token> (click redirect) and
// /u/<token> (unsubscribe). They trust nothing but a token signed with the tracking secret.
#include <touchpoint/core/machine_hits.hpp>
#include <touchpoint/core/tokens.hpp>

#include "internal.hpp"

namespace touchpoint::bridge {

namespace {

TrackingReply gone() {
  return TrackingReply{TrackingReply::Kind::gone, {}, {}};
}

std::string machine_of(const Hit& hit) {
  auto kind = core::classify_hit(hit.user_agent, hit.remote_address);
  if (!kind && hit.head) kind = core::MachineKind::link_scanner;
  return kind ? core::to_string(*kind) : "";
}

// Records one hit through this thread's store; `gone` when its step does not exist.
TrackingReply record_one(store::Store& store, std::optional<TrackingRequest> request) {
  if (!request) return gone();
  if (!store.tracking().record_all({request->pending}).front()) return gone();
  return std::move(request->reply);
}

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A small page that stands alone: no scripts, no external resources, no cookies.
std::string page(std::string_view title, const std::string& body_html) {
  return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<meta name=\"robots\" content=\"noindex\"><title>" +
         escape_html(title) +
         "</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;"
         "padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.5rem 1rem}</style>"
         "</head><body>" +
         body_html + "</body></html>\n";
}

}  // namespace

std::optional<TrackingRequest> Service::read_open(std::string_view token, const Hit& hit,
                                                  core::Timestamp now) const {
  if (config_.tracking_secret.empty()) return std::nullopt;
  auto read = core::verify_token(token, config_.tracking_secret, now);
  if (!read || read->kind != core::TrackingToken::Kind::open) return std::nullopt;
  return TrackingRequest{{core::StepRunId{read->step_run},
                          {"open", "", machine_of(hit)},
                          store::TrackingRepository::ImpliedOpen::no,
                          now},
                         TrackingReply{TrackingReply::Kind::pixel, {}, {}}};
}

std::optional<TrackingRequest> Service::read_click(std::string_view token, const Hit& hit,
                                                   core::Timestamp now) const {
  if (config_.tracking_secret.empty()) return std::nullopt;
  auto read = core::verify_token(token, config_.tracking_secret, now);
  if (!read || read->kind != core::TrackingToken::Kind::click) return std::nullopt;
  // Only web links were ever signed; anything else would make the redirect a weapon.
  const auto& url = read->url;
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) return std::nullopt;
  // A click implies an open: the store records one when the step has none.
  return TrackingRequest{{core::StepRunId{read->step_run},
                          {"click", url, machine_of(hit)},
                          store::TrackingRepository::ImpliedOpen::yes,
                          now},
                         TrackingReply{TrackingReply::Kind::redirect, url, {}}};
}

TrackingReply Service::open(std::string_view token, const Hit& hit, core::Timestamp now) {
  return record_one(store_, read_open(token, hit, now));
}

TrackingReply Service::click(std::string_view token, const Hit& hit, core::Timestamp now) {
  return record_one(store_, read_click(token, hit, now));
}

TrackingReply Service::unsubscribe_page(std::string_view token, core::Timestamp now) {
  if (config_.tracking_secret.empty()) return gone();
  auto read = core::verify_token(token, config_.tracking_secret, now);
  if (!read || read->kind != core::TrackingToken::Kind::unsubscribe) return gone();
  auto step = store_.tracking().step(core::StepRunId{read->step_run});
  if (!step) return gone();
  auto prospect = store_.prospects().get(step->prospect);
  std::string who = prospect ? " <strong>" + escape_html(prospect->email) + "</strong>" : "";
  // The form posts the RFC 8058 body, so the same handler serves it and one-click clients.
  // A GET never unsubscribes: link scanners fetch every link.
  return TrackingReply{
      TrackingReply::Kind::page,
      {},
      page("Unsubscribe", "<h1>Unsubscribe</h1><p>Stop these emails to" + who +
                              "?</p><form method=\"post\" action=\"/u/" + escape_html(token) +
                              "\"><input type=\"hidden\" name=\"List-Unsubscribe\" "
                              "value=\"One-Click\"><button type=\"submit\">Unsubscribe</button>"
                              "</form>")};
}

TrackingReply Service::unsubscribe(std::string_view token, const Hit& hit, core::Timestamp now) {
  if (config_.tracking_secret.empty()) return gone();
  auto read = core::verify_token(token, config_.tracking_secret, now);
  if (!read || read->kind != core::TrackingToken::Kind::unsubscribe) return gone();
  auto step = store_.tracking().step(core::StepRunId{read->step_run});
  if (!step) return gone();
  // The mail provider makes one-click POSTs itself, so a machine POST counts like a person's.
  store_.tracking().unsubscribe(*step, machine_of(hit), now);
  // Every live enrollment of the person ends: they asked for no more of these emails. Ending
  // one that has already ended is refused by the store, which is what a repeat POST meets.
  store::EnrollmentFilter filter;
  filter.prospect = step->prospect;
  for (const auto& e : store_.enrollments().list(filter))
    if (e.state == core::EnrollmentState::active || e.state == core::EnrollmentState::paused)
      (void)store_.enrollments().exit(e.id, core::ExitCause::unsubscribe, now);
  return TrackingReply{TrackingReply::Kind::page,
                       {},
                       page("Unsubscribed",
                            "<h1>You are unsubscribed</h1><p>You will get no more of these "
                            "emails.</p>")};
}

}  // namespace touchpoint::bridge
