// The entry point: checks the input once, prepares the text every target shares, then builds
// the link and the payloads for the chosen client and says what the rep should know.

#include <touchpoint/compose/compose.hpp>

#include <cstdint>
#include <cstdio>

#include <touchpoint/core/header_token.hpp>
#include <touchpoint/core/threading.hpp>
#include <touchpoint/mail/mime.hpp>

#include "prepared.hpp"

namespace touchpoint::compose {
namespace {

core::Error invalid(std::string field, const std::string& what) {
  return core::Error{core::ErrorCode::invalid_input, field + ": " + what};
}

// An address goes into URLs and a header verbatim: one addr-spec, nothing that could end it.
std::optional<core::Error> check_address(const std::string& field, const std::string& email) {
  if (email.empty()) return invalid(field, "is empty");
  if (!core::is_plain_token(email))
    return invalid(field, "'" + email + "' holds a space, control character or angle bracket");
  const auto at = email.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == email.size())
    return invalid(field, "'" + email + "' is not an email address");
  return std::nullopt;
}

std::string link_note(Client client) {
  switch (client) {
    case Client::gmail:
      return "This step replies in a thread, which a Gmail link cannot do: create the draft "
             "through the Gmail API (gmail_draft), or reply to the earlier email in Gmail.";
    case Client::outlook:
    case Client::outlook_live:
      return "This step replies in a thread, which an Outlook link cannot do: use the Outlook "
             "add-in (office_js) or Microsoft Graph (graph_request), or reply to the earlier "
             "email in Outlook.";
    case Client::mailto:
      return "This step replies in a thread: the link carries In-Reply-To and References, "
             "which some mail clients ignore; if yours starts a new conversation, reply to "
             "the earlier email instead.";
  }
  return {};
}

std::string too_long_note(Client client, std::size_t length) {
  std::string alternative;
  switch (client) {
    case Client::gmail:
      alternative = "the Gmail API draft (gmail_draft)";
      break;
    case Client::outlook:
    case Client::outlook_live:
      alternative = "the Outlook add-in (office_js) or Microsoft Graph (graph_request)";
      break;
    case Client::mailto:
      alternative = "the Gmail draft (client=gmail) or the Outlook add-in (client=outlook)";
      break;
  }
  return "The link is " + std::to_string(length) + " characters, more than the about " +
         std::to_string(kUrlLengthLimit) +
         " that browsers and mail clients open reliably, so the email may arrive cut short: "
         "use " +
         alternative + " instead.";
}

void add_note(std::string& note, const std::string& text) {
  if (!note.empty()) note += ' ';
  note += text;
}

}  // namespace

const char* to_string(Client client) noexcept {
  switch (client) {
    case Client::gmail:
      return "gmail";
    case Client::outlook:
      return "outlook";
    case Client::outlook_live:
      return "outlook_live";
    case Client::mailto:
      return "mailto";
  }
  return "gmail";
}

std::optional<Client> parse_client(std::string_view text) {
  if (text == "gmail") return Client::gmail;
  if (text == "outlook" || text == "outlook_office" || text == "office") return Client::outlook;
  if (text == "outlook_live" || text == "live") return Client::outlook_live;
  if (text == "mailto") return Client::mailto;
  return std::nullopt;
}

core::Result<ComposeInput> input_from_task(const core::Task& task, std::optional<ReplyTo> reply_to,
                                           std::string owner_name, core::Timestamp now) {
  const std::string name = "task " + std::to_string(task.id.value);
  if (task.type != core::StepType::email)
    return tl::unexpected(invalid(
        "type", name + " is not a manual email (its type is " + core::to_string(task.type) + ")"));
  if (task.prospect_email.empty())
    return tl::unexpected(invalid("prospect_email", name + " has no prospect email"));
  ComposeInput in;
  in.task = task.id;
  in.from_email = task.owner_email;
  in.from_name = std::move(owner_name);
  in.to_email = task.prospect_email;
  // The queue's name falls back to the address; a header name must not repeat it.
  in.to_name = task.prospect_name == task.prospect_email ? "" : task.prospect_name;
  in.subject = task.subject;
  in.html = task.body;
  in.reply_to = std::move(reply_to);
  in.date = now;
  return in;
}

core::Result<ComposeResult> compose_for(const ComposeInput& input, Client client) {
  if (auto e = check_address("to_email", input.to_email)) return tl::unexpected(*e);
  // Gmail needs the rep's address (account selection, From); the others only when given.
  if (client == Client::gmail || !input.from_email.empty()) {
    if (auto e = check_address("from_email", input.from_email)) return tl::unexpected(*e);
  }

  detail::Prepared m{input, {}, mail::to_lf(mail::html_to_text(input.html)), {}, {}, {}, {}};
  std::string note;
  if (input.reply_to) {
    const ReplyTo& r = *input.reply_to;
    m.subject = mail::one_line(core::reply_subject(r.subject.empty() ? input.subject : r.subject));
    if (!r.message_id.empty()) {
      auto id = core::normalize_message_id(r.message_id, "reply_to.message_id");
      if (!id) return tl::unexpected(id.error());
      std::vector<std::string> refs;
      for (const auto& ref : r.references) {
        auto clean = core::normalize_message_id(ref, "reply_to.references");
        if (!clean) return tl::unexpected(clean.error());
        refs.push_back(*clean);
      }
      m.in_reply_to = *id;
      m.references = core::reply_references(refs, m.in_reply_to);
    } else {
      add_note(note,
               "The earlier email's Message-ID is unknown (it was not recorded when its task "
               "was completed), so this email starts a new conversation.");
    }
    m.gmail_thread_id = r.gmail_thread_id;
    m.graph_message_id = r.graph_message_id;
  } else {
    m.subject = mail::one_line(input.subject);
  }

  ComposeResult result;
  result.client = client;
  switch (client) {
    case Client::gmail:
      result.url = detail::gmail_url(m);
      result.gmail_draft = detail::gmail_draft(m);
      break;
    case Client::outlook:
    case Client::outlook_live:
      result.url = detail::outlook_url(m, client);
      result.graph_request = detail::graph_request(m);
      result.office_js = detail::office_js(m);
      if (input.html.size() > kOfficeJsBodyLimit || m.subject.size() > kOfficeJsSubjectLimit)
        add_note(note,
                 "The body or subject is past Office.js's limits (32 KB, 255 characters): use "
                 "Microsoft Graph (graph_request) rather than the add-in.");
      break;
    case Client::mailto:
      result.url = detail::mailto_url(m);
      break;
  }
  if (m.threaded()) add_note(note, link_note(client));
  result.too_long = result.url.size() > kUrlLengthLimit;
  if (result.too_long) add_note(note, too_long_note(client, result.url.size()));
  result.note = std::move(note);
  return result;
}

Json to_json(const ComposeResult& r) {
  auto or_null = [](const std::optional<Json>& j) { return j ? *j : Json(nullptr); };
  return {{"client", to_string(r.client)},
          {"url", r.url},
          {"too_long", r.too_long},
          {"note", r.note.empty() ? Json(nullptr) : Json(r.note)},
          {"gmail_draft", or_null(r.gmail_draft)},
          {"graph_request", or_null(r.graph_request)},
          {"office_js", or_null(r.office_js)}};
}

namespace detail {

std::string draft_message_id(const Prepared& m) {
  // Deterministic, so asking twice for the same task gives the same draft; the content hash
  // changes it when the task's text changes. Gmail may still replace it when the rep sends.
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a
  for (const std::string* part : {&m.input.to_email, &m.subject, &m.input.html, &m.in_reply_to}) {
    for (char c : *part) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ull;
    }
    h ^= 0xff;
    h *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  const auto at = m.input.from_email.rfind('@');
  const std::string domain =
      at == std::string::npos ? "touchpoint.invalid" : m.input.from_email.substr(at + 1);
  return "tp.task." + std::to_string(m.input.task.value) + "." + hex + "@" + domain;
}

}  // namespace detail
}  // namespace touchpoint::compose
