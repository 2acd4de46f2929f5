// Gmail API users.drafts.create: the RFC 5322 message built by the mail connector (the same
// MIME the engine sends), base64url-encoded, with Gmail's threadId on threaded steps. Gmail
// files a draft into a thread only when threadId is set, In-Reply-To and References follow
// RFC 5322, and the subjects match ("Re: " + the thread's subject).

#include <string>

#include <openssl/evp.h>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <touchpoint/core/ports.hpp>
#include <touchpoint/mail/mime.hpp>

#include "prepared.hpp"

namespace touchpoint::compose::detail {
namespace {

// RFC 4648 5 (base64url), padded as Python's urlsafe_b64encode and Google's samples pad it.
std::string base64url(const std::string& data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()),
                                static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

core::OutgoingMessage outgoing(const Prepared& m) {
  core::OutgoingMessage out;
  out.message_id = draft_message_id(m);
  out.date = m.input.date;
  out.from_name = m.input.from_name;
  out.from_email = m.input.from_email;
  out.to_name = m.input.to_name;
  out.to_email = m.input.to_email;
  out.subject = m.subject;
  out.html = m.input.html;
  out.in_reply_to = m.in_reply_to;
  out.references = m.references;
  return out;
}

}  // namespace

Json gmail_draft(const Prepared& m) {
  Json message = {{"raw", base64url(mail::build_mime(outgoing(m)))}};
  if (!m.gmail_thread_id.empty()) message["threadId"] = m.gmail_thread_id;
  Json request = {
      {"method", "POST"}, {"path", "/gmail/v1/users/me/drafts"}, {"body", {{"message", message}}}};
  if (m.threaded() && m.gmail_thread_id.empty()) {
    // Gmail search finds the earlier message by its Message-ID; its threadId goes above.
    boost::urls::encoding_opts opts;
    opts.space_as_plus = false;
    request["resolve_thread"] = {
        {"method", "GET"},
        {"path", "/gmail/v1/users/me/messages?q=" +
                     boost::urls::encode("rfc822msgid:" + m.in_reply_to,
                                         boost::urls::unreserved_chars, opts)}};
  }
  return request;
}

}  // namespace touchpoint::compose::detail
