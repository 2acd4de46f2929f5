// Compose links: Gmail on the web, Outlook on the web (office.com and live.com) and mailto:.
// Every value is percent-encoded UTF-8 by Boost.URL with only RFC 3986's unreserved characters
// left as they are (plus "@" in addresses), so "+", "&", "#", "%" and "=" in a subject or body
// reach the client as text, and a space is always %20: Gmail and Outlook read "+" as a space
// in a query, and RFC 6068 gives "+" no special meaning, so "+" must never stand for one.

#include <string>
#include <string_view>

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "prepared.hpp"

namespace touchpoint::compose::detail {
namespace {

namespace urls = boost::urls;

// "@" is legal in a query and in mailto's addr-spec (RFC 6068 2): keeping it makes links
// readable. Everything else an address may hold ("+", "&", "%", "#", "'", "=") is encoded.
constexpr auto kAddressChars = urls::unreserved_chars + '@';

std::string encode_text(std::string_view s) {
  urls::encoding_opts opts;
  opts.space_as_plus = false;
  return urls::encode(s, urls::unreserved_chars, opts);
}

std::string encode_address(std::string_view s) {
  urls::encoding_opts opts;
  opts.space_as_plus = false;
  return urls::encode(s, kAddressChars, opts);
}

// "\n" line ends as CRLF: RFC 6068 5 requires line breaks in a mailto body as %0D%0A.
std::string with_crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

class Query {
 public:
  Query& add(std::string_view name, const std::string& encoded_value) {
    if (!text_.empty()) text_ += '&';
    text_.append(name);
    text_ += '=';
    text_ += encoded_value;
    return *this;
  }
  const std::string& str() const { return text_; }

 private:
  std::string text_;
};

// A link we built must parse back as a URI; anything else is a bug here, not bad input.
std::string checked(std::string uri) {
  if (!urls::parse_uri(uri)) throw std::logic_error("compose built an invalid URI: " + uri);
  return uri;
}

}  // namespace

std::string gmail_url(const Prepared& m) {
  // authuser picks the signed-in account by address, so a rep signed in to several Google
  // accounts composes from the right one. view=cm&fs=1 is the full-window compose form.
  // Gmail keeps "\n" as a line break in body; it has no parameter for In-Reply-To.
  Query q;
  q.add("authuser", encode_address(m.input.from_email))
      .add("view", "cm")
      .add("fs", "1")
      .add("to", encode_address(m.input.to_email))
      .add("su", encode_text(m.subject))
      .add("body", encode_text(m.text));
  return checked("https://mail.google.com/mail/?" + q.str());
}

std::string outlook_url(const Prepared& m, Client client) {
  // The deeplink's body is plain text and keeps "\n" as a line break. live.com (personal
  // accounts) takes the mailbox index in the path; office.com does not.
  const char* base = client == Client::outlook_live
                         ? "https://outlook.live.com/mail/0/deeplink/compose?"
                         : "https://outlook.office.com/mail/deeplink/compose?";
  Query q;
  q.add("to", encode_address(m.input.to_email))
      .add("subject", encode_text(m.subject))
      .add("body", encode_text(m.text));
  return checked(base + q.str());
}

std::string mailto_url(const Prepared& m) {
  // RFC 6068: the address is the path, header fields the query; any header may be given, so a
  // threaded step carries In-Reply-To and References (clients that honour them thread it).
  Query q;
  q.add("subject", encode_text(m.subject)).add("body", encode_text(with_crlf(m.text)));
  if (m.threaded()) {
    q.add("In-Reply-To", encode_text("<" + m.in_reply_to + ">"));
    std::string refs;
    for (const auto& r : m.references) refs += (refs.empty() ? "<" : " <") + r + ">";
    if (!refs.empty()) q.add("References", encode_text(refs));
  }
  return checked("mailto:" + encode_address(m.input.to_email) + "?" + q.str());
}

}  // namespace touchpoint::compose::detail
