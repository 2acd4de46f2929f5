// Microsoft Graph: a new draft (POST /me/messages), or on a threaded step a reply draft
// (POST /me/messages/{id}/createReply), which Exchange threads and quotes itself. Paths are
// relative to https://graph.microsoft.com/v1.0.

#include <string>

#include <boost/url/encode.hpp>
#include <boost/url/rfc/pchars.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "prepared.hpp"

namespace touchpoint::compose::detail {
namespace {

std::string encode(std::string_view s) {
  boost::urls::encoding_opts opts;
  opts.space_as_plus = false;
  return boost::urls::encode(s, boost::urls::unreserved_chars, opts);
}

// OData string literal: single quotes doubled.
std::string odata_string(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

// A Graph id as one path segment: "=", "+", "-" and "_" stay (legal there, and "+" is no
// space in a path), "/" is encoded.
std::string encode_segment(std::string_view s) {
  boost::urls::encoding_opts opts;
  opts.space_as_plus = false;
  return boost::urls::encode(s, boost::urls::pchars, opts);
}

}  // namespace

Json graph_request(const Prepared& m) {
  if (m.threaded() || !m.graph_message_id.empty()) {
    // createReply takes either a comment or message.body, never both (400 otherwise); the
    // comment goes above the quoted earlier message, as a reply typed in Outlook.
    const std::string id = m.graph_message_id.empty() ? "{id}" : encode_segment(m.graph_message_id);
    Json request = {{"method", "POST"},
                    {"path", "/me/messages/" + id + "/createReply"},
                    {"body", {{"comment", m.input.html}}}};
    if (m.graph_message_id.empty()) {
      // Graph's ids are not Message-IDs: find the earlier message by internetMessageId.
      request["resolve_id"] = {
          {"method", "GET"},
          {"path", "/me/messages?$filter=" +
                       encode("internetMessageId eq " + odata_string("<" + m.in_reply_to + ">")) +
                       "&$select=id,conversationId"}};
    }
    return request;
  }
  Json address = {{"address", m.input.to_email}};
  if (!m.input.to_name.empty()) address["name"] = m.input.to_name;
  return {{"method", "POST"},
          {"path", "/me/messages"},
          {"body",
           {{"subject", m.subject},
            {"body", {{"contentType", "HTML"}, {"content", m.input.html}}},
            {"toRecipients", Json::array({{{"emailAddress", address}}})}}}};
}

}  // namespace touchpoint::compose::detail
