#pragma once
// Opening a manual email task in the rep's own mail client (issue 5, parts 6, 7 and 9).
//
// A pure library: it builds links and request payloads, and never talks to a network. The
// bridge answers GET /api/v1/tasks/{id}/compose?client=gmail|outlook|outlook_live|mailto with
//
//   auto client = compose::parse_client(query["client"]);   // none: 400 naming "client"
//   auto input = compose::input_from_task(task, reply_to, owner.name, now);
//   auto result = compose::compose_for(*input, *client);     // errors: invalid_input, 422
//   return compose::to_json(*result);
//
// (link touchpoint::compose), where `task` is the store's core::Task (404 when missing),
// `owner` the task owner's core::User, and `reply_to` the earlier message of the thread when
// the step is threaded, std::nullopt otherwise. It answers
//
//   {"client": "gmail",
//    "url": "https://mail.google.com/mail/?authuser=...&view=cm&fs=1&to=...&su=...&body=...",
//    "too_long": false,            // true past kUrlLengthLimit: use a payload below instead
//    "note": "..." | null,         // for the rep: why and what to use instead, or null
//    "gmail_draft":   {method, path, body, resolve_thread?} | null,  // client gmail
//    "graph_request": {method, path, body, resolve_id?} | null,      // clients outlook*
//    "office_js":     {method, args, reply_to?} | null}              // clients outlook*
//
// Closing the loop (part 9): once the rep has sent the email, POST
// /api/v1/tasks/{id}/complete {"sent_message_id": ...}; closing the task stores it as
// core::normalize_message_id gives it ("<id@host>" pasted becomes "id@host"), the form the
// engine threads the next step with.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <touchpoint/core/result.hpp>
#include <touchpoint/core/task.hpp>
#include <touchpoint/core/time.hpp>

namespace touchpoint::compose {

using Json = nlohmann::ordered_json;

// Past this many characters a compose link is unreliable: Outlook on the web and older
// browsers cut or refuse longer URLs (about 2,000), and Gmail drops the end of the body.
inline constexpr std::size_t kUrlLengthLimit = 2000;

// Office.js limits (Office.MessageForm / ReplyFormData, Mailbox 1.6): htmlBody at most 32 KB,
// subject at most 255 characters.
inline constexpr std::size_t kOfficeJsBodyLimit = 32 * 1024;
inline constexpr std::size_t kOfficeJsSubjectLimit = 255;

enum class Client {
  gmail,         // Gmail on the web; payload: Gmail API users.drafts.create
  outlook,       // Outlook on the web for work and school (outlook.office.com); Graph, Office.js
  outlook_live,  // Outlook on the web for personal accounts (outlook.live.com); Graph, Office.js
  mailto,        // the desktop client registered for mailto: (RFC 6068)
};

const char* to_string(Client client) noexcept;
// "gmail", "outlook" (also "outlook_office", "office"), "outlook_live" (also "live"),
// "mailto"; case-sensitive. std::nullopt for anything else.
std::optional<Client> parse_client(std::string_view text);

// The earlier message a threaded step answers. Every field but message_id may be empty.
struct ReplyTo {
  std::string message_id;               // its RFC 5322 Message-ID, without angle brackets
  std::vector<std::string> references;  // its own References, oldest first
  std::string subject;                  // its subject; the reply's becomes "Re: <subject>"
  std::string gmail_thread_id;          // Gmail's threadId, when known (drafts.create)
  std::string graph_message_id;         // Microsoft Graph's message id, when known (createReply)
};

// What a compose link or payload carries.
struct ComposeInput {
  core::TaskId task;       // names the draft's Message-ID; 0 is fine outside a task
  std::string from_email;  // the rep (the task's owner): Gmail's account selection, From
  std::string from_name;   // may be empty
  std::string to_email;    // the prospect
  std::string to_name;     // may be empty
  std::string subject;     // UTF-8; on threaded steps replaced by "Re: " + reply_to's subject
  std::string html;        // UTF-8 HTML body; links carry a plain-text rendering of it
  std::optional<ReplyTo> reply_to;  // set on threaded steps
  core::Timestamp date{};           // the Date header of the Gmail draft
};

struct ComposeResult {
  Client client = Client::gmail;
  std::string url;                    // always set, even when too long
  bool too_long = false;              // url.size() > kUrlLengthLimit
  std::string note;                   // for the rep; empty when there is nothing to say
  std::optional<Json> gmail_draft;    // see to_json
  std::optional<Json> graph_request;  // see to_json
  std::optional<Json> office_js;      // see to_json
};

// A manual email task as compose input. invalid_input, naming the field, when the task is not
// a manual email (type email) or has no prospect email; `reply_to` is checked by compose_for.
// `owner_name` (the rep's display name) may be empty. Thread-safe.
core::Result<ComposeInput> input_from_task(const core::Task& task, std::optional<ReplyTo> reply_to,
                                           std::string owner_name, core::Timestamp now);

// Builds the link for `client` and the payloads that fit it:
//  - gmail: the Gmail web compose URL, and gmail_draft;
//  - outlook / outlook_live: the Outlook on the web deeplink, graph_request and office_js;
//  - mailto: the RFC 6068 URI only.
// Text in links is percent-encoded UTF-8 (spaces %20, never +); the body is the HTML rendered
// as plain text, line breaks %0A for the web clients and %0D%0A for mailto (RFC 6068 5).
// Links cannot thread: on threaded steps the note says to use the payloads, and the mailto URI
// carries In-Reply-To and References (RFC 6068 allows any header).
// invalid_input, naming the field, when an address or Message-ID is empty where required or
// holds a space, control character or angle bracket. Thread-safe.
core::Result<ComposeResult> compose_for(const ComposeInput& input, Client client);

// The JSON the bridge answers with (see the top of this file). The payloads:
//  gmail_draft: {"method":"POST","path":"/gmail/v1/users/me/drafts",
//                "body":{"message":{"raw": base64url RFC 5322, "threadId"?: ...}}}
//     (host https://gmail.googleapis.com). On a threaded step whose threadId is unknown,
//     "resolve_thread": {"method":"GET","path":"/gmail/v1/users/me/messages?q=rfc822msgid:..."}
//     finds it: set body.message.threadId to the answer's messages[0].threadId.
//  graph_request: {"method":"POST","path":"/me/messages","body":{subject, body:{contentType:
//     "HTML", content}, toRecipients:[{emailAddress:{address, name}}]}}, or on a threaded step
//     {"method":"POST","path":"/me/messages/{id}/createReply","body":{"comment": html}}
//     (host https://graph.microsoft.com/v1.0). When the Graph id is unknown the path holds
//     "{id}" and "resolve_id": {"method":"GET","path":"/me/messages?$filter=internetMessageId
//     eq '<...>'&$select=id,conversationId"} finds it: its value[0].id.
//  office_js: {"method":"displayNewMessageForm","args":{toRecipients:[{displayName,
//     emailAddress}], subject, htmlBody}}, or on a threaded step {"method":"displayReplyForm",
//     "args":{"htmlBody"}, "reply_to": "<Message-ID>"}: displayReplyForm is called on
//     Office.context.mailbox.item, which must be the message whose internetMessageId is
//     reply_to.
Json to_json(const ComposeResult& result);

}  // namespace touchpoint::compose
