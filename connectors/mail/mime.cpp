#include <touchpoint/mail/mime.hpp>

#include <array>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <date/date.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <vmime/contentTypeField.hpp>
#include <vmime/vmime.hpp>

#include <touchpoint/core/threading.hpp>

#include "vmime_platform.hpp"

namespace touchpoint::mail {
namespace {

constexpr std::size_t kMaxHeaderLine = 78;  // RFC 5322 2.1.1: SHOULD; 998 is the hard limit

// The line length given to vmime. Its encoded words overshoot the limit by up to ten characters
// (it adds whole characters until the chunk reaches the limit, and a 4-octet character
// Q-encodes to 12), so 65 keeps each encoded word within RFC 2047's 75 characters and each line
// holding one within 76. Bodies then come out in lines of at most 65 octets, which is fine.
constexpr std::size_t kVmimeLineLength = 65;

// Writes tokens separated by one space, folding (CRLF + space) before a token that would pass
// the line limit, never before the first. Returns the position on the last line.
std::size_t write_folded(vmime::utility::outputStream& os, const std::vector<std::string>& tokens,
                         std::size_t pos) {
  bool first = true;
  for (const auto& token : tokens) {
    if (!first) {
      if (pos + 1 + token.size() > kMaxHeaderLine) {
        os << vmime::NEW_LINE_SEQUENCE;
        pos = vmime::NEW_LINE_SEQUENCE_LENGTH;
      } else {
        os << " ";
        ++pos;
      }
    }
    os << token;
    pos += token.size();
    first = false;
  }
  return pos;
}

// A header value written as given, folded between tokens. vmime's generic `text` value turns a
// long ASCII run (a URL) into encoded words, which List-Unsubscribe must not contain.
class FoldedTokens final : public vmime::headerFieldValue {
 public:
  FoldedTokens() = default;
  explicit FoldedTokens(std::vector<std::string> tokens) : tokens_(std::move(tokens)) {}

  std::shared_ptr<vmime::component> clone() const override {
    return std::make_shared<FoldedTokens>(tokens_);
  }
  void copyFrom(const vmime::component& other) override {
    tokens_ = dynamic_cast<const FoldedTokens&>(other).tokens_;
  }
  const std::vector<std::shared_ptr<vmime::component>> getChildComponents() override { return {}; }

 protected:
  void parseImpl(const vmime::parsingContext& /*ctx*/, const vmime::string& buffer,
                 const std::size_t position, const std::size_t end,
                 std::size_t* new_position) override {
    tokens_.assign(1, buffer.substr(position, end - position));
    setParsedBounds(position, end);
    if (new_position) *new_position = end;
  }

  void generateImpl(const vmime::generationContext& /*ctx*/, vmime::utility::outputStream& os,
                    const std::size_t cur_line_pos, std::size_t* new_line_pos) const override {
    const std::size_t pos = write_folded(os, tokens_, cur_line_pos);
    if (new_line_pos) *new_line_pos = pos;
  }

 private:
  std::vector<std::string> tokens_;
};

// In-Reply-To and References as vmime's messageIdSequence (the type vmime requires for them),
// written with write_folded. vmime's own generation puts a long first id alone on a folded
// line ("In-Reply-To: " CRLF " <id>"), which Python reads back with a leading space, and leaves
// a space before each fold.
class FoldedIdSequence final : public vmime::messageIdSequence {
 public:
  std::shared_ptr<vmime::component> clone() const override {
    auto copy = std::make_shared<FoldedIdSequence>();
    copy->copyFrom(*this);
    return copy;
  }

 protected:
  void generateImpl(const vmime::generationContext& /*ctx*/, vmime::utility::outputStream& os,
                    const std::size_t cur_line_pos, std::size_t* new_line_pos) const override {
    std::vector<std::string> tokens;
    for (const auto& id : getMessageIdList()) {
      tokens.push_back("<" + id->getLeft() + (id->getRight().empty() ? "" : "@" + id->getRight()) +
                       ">");
    }
    const std::size_t pos = write_folded(os, tokens, cur_line_pos);
    if (new_line_pos) *new_line_pos = pos;
  }
};

bool is_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// A header phrase as one vmime word: us-ascii when it is (so vmime leaves a plain name alone),
// else UTF-8. One word, not text::newFromString: that splits at ASCII/non-ASCII boundaries and
// drops the space between an encoded and a plain word ("김민준 Kim" decodes as "김민준Kim").
// Control characters (a line break pasted into a subject) become one space each run.
vmime::text header_text(const std::string& s) {
  std::string clean;
  clean.reserve(s.size());
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      if (clean.empty() || clean.back() != ' ') clean += ' ';
    } else {
      clean += c;
    }
  }
  const vmime::charset cs(is_ascii(clean) ? vmime::charsets::US_ASCII : vmime::charsets::UTF_8);
  return vmime::text(vmime::word(clean, cs));
}

// Values that go into headers verbatim (addresses, ids, URLs) must not carry line breaks,
// spaces or angle brackets: they would break the header or inject a new one.
void require_plain_token(std::string_view what, std::string_view value) {
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '<' || c == '>') {
      throw std::invalid_argument("build_mime: " + std::string(what) +
                                  " holds a space, control character or angle bracket");
    }
  }
}

vmime::mailbox make_mailbox(const std::string& name, const std::string& email) {
  if (name.empty()) return vmime::mailbox(vmime::emailAddress(email));
  return vmime::mailbox(header_text(name), vmime::emailAddress(email));
}

std::shared_ptr<vmime::messageId> make_message_id(const std::string& id) {
  const auto at = id.rfind('@');
  if (at == std::string::npos) return std::make_shared<vmime::messageId>(id, "");
  return std::make_shared<vmime::messageId>(id.substr(0, at), id.substr(at + 1));
}

vmime::datetime make_date(core::Timestamp t) {
  const auto day = date::floor<date::days>(t);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss hms{t - day};
  return vmime::datetime(static_cast<int>(ymd.year()), static_cast<int>(unsigned{ymd.month()}),
                         static_cast<int>(unsigned{ymd.day()}),
                         static_cast<int>(hms.hours().count()),
                         static_cast<int>(hms.minutes().count()),
                         static_cast<int>(hms.seconds().count()), vmime::datetime::GMT);
}

// RFC 2045 canonical text: every line break is CRLF.
std::string to_crlf(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 32);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\r') {
      out += "\r\n";
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else if (c == '\n') {
      out += "\r\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Quoted-printable while most octets are ASCII (Swedish, Dutch, English); base64 once escapes
// would cost more than base64's third (Korean, Japanese).
vmime::encoding body_encoding(std::string_view s) {
  std::size_t high = 0;
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) ++high;
  }
  const bool mostly_ascii = high * 6 <= s.size();  // at most about one octet in six
  return vmime::encoding(
      mostly_ascii ? vmime::encodingTypes::QUOTED_PRINTABLE : vmime::encodingTypes::BASE64,
      vmime::encoding::USAGE_TEXT);
}

// A boundary derived from the Message-ID: deterministic, and it keeps vmime off its global,
// unsynchronised random generator. "=_" never occurs in quoted-printable or base64 output.
std::string boundary_for(std::string_view message_id) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a
  for (char c : message_id) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "=_tp_%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::shared_ptr<vmime::bodyPart> text_part(const std::string& subtype, const std::string& content) {
  auto part = std::make_shared<vmime::bodyPart>();
  const std::string canonical = to_crlf(content);
  part->getBody()->setContents(std::make_shared<vmime::stringContentHandler>(canonical),
                               vmime::mediaType(vmime::mediaTypes::TEXT, subtype),
                               vmime::charset(vmime::charsets::UTF_8), body_encoding(canonical));
  return part;
}

void append_field(vmime::header& header, const std::string& name,
                  std::shared_ptr<vmime::headerFieldValue> value) {
  auto field = vmime::headerFieldFactory::getInstance()->create(name);
  field->setValue(std::move(value));
  header.appendField(field);
}

}  // namespace

std::string thread_index(const core::OutgoingMessage& message) {
  auto digest = [](const std::string& id) {
    std::array<unsigned char, SHA256_DIGEST_LENGTH> out{};
    SHA256(reinterpret_cast<const unsigned char*>(id.data()), id.size(), out.data());
    return out;
  };
  std::vector<std::string> chain = message.references;
  chain.push_back(message.message_id);
  std::vector<unsigned char> bytes;
  auto root = digest(chain.front());
  bytes.insert(bytes.end(), root.begin(), root.begin() + 22);
  for (std::size_t i = 1; i < chain.size(); ++i) {
    auto level = digest(chain[i]);
    bytes.insert(bytes.end(), level.begin(), level.begin() + 5);
  }
  std::string encoded(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()), bytes.data(),
                                static_cast<int>(bytes.size()));
  encoded.resize(static_cast<std::size_t>(n));
  return encoded;
}

std::string build_mime(const core::OutgoingMessage& message) {
  detail::ensure_vmime_platform();

  if (message.message_id.empty()) throw std::invalid_argument("build_mime: empty message_id");
  require_plain_token("message_id", message.message_id);
  require_plain_token("from_email", message.from_email);
  require_plain_token("to_email", message.to_email);
  require_plain_token("in_reply_to", message.in_reply_to);
  for (const auto& ref : message.references) require_plain_token("references", ref);
  require_plain_token("unsubscribe_url", message.unsubscribe_url);
  require_plain_token("unsubscribe_mailto", message.unsubscribe_mailto);

  auto msg = std::make_shared<vmime::message>();
  vmime::header& header = *msg->getHeader();

  append_field(header, "Message-ID", make_message_id(message.message_id));
  append_field(header, "Date", std::make_shared<vmime::datetime>(make_date(message.date)));
  append_field(
      header, "From",
      std::make_shared<vmime::mailbox>(make_mailbox(message.from_name, message.from_email)));
  auto to = std::make_shared<vmime::addressList>();
  to->appendAddress(
      std::make_shared<vmime::mailbox>(make_mailbox(message.to_name, message.to_email)));
  append_field(header, "To", to);
  append_field(header, "Subject", std::make_shared<vmime::text>(header_text(message.subject)));

  if (!message.in_reply_to.empty()) {
    auto ids = std::make_shared<FoldedIdSequence>();
    ids->appendMessageId(make_message_id(message.in_reply_to));
    append_field(header, "In-Reply-To", ids);
  }
  if (!message.references.empty()) {
    auto ids = std::make_shared<FoldedIdSequence>();
    for (const auto& ref : message.references) ids->appendMessageId(make_message_id(ref));
    append_field(header, "References", ids);
  }

  // Outlook groups conversations by these.
  append_field(header, "Thread-Topic",
               std::make_shared<vmime::text>(header_text(core::thread_topic(message.subject))));
  append_field(header, "Thread-Index",
               std::make_shared<FoldedTokens>(std::vector<std::string>{thread_index(message)}));

  // RFC 2369 List-Unsubscribe (HTTPS first, then mailto); RFC 8058 one-click needs the HTTPS URL.
  std::vector<std::string> unsubscribe;
  if (!message.unsubscribe_url.empty()) unsubscribe.push_back("<" + message.unsubscribe_url + ">");
  if (!message.unsubscribe_mailto.empty()) {
    if (!unsubscribe.empty()) unsubscribe.back() += ",";
    unsubscribe.push_back("<" + message.unsubscribe_mailto + ">");
  }
  if (!unsubscribe.empty()) {
    append_field(header, "List-Unsubscribe",
                 std::make_shared<FoldedTokens>(std::move(unsubscribe)));
  }
  if (!message.unsubscribe_url.empty()) {
    append_field(
        header, "List-Unsubscribe-Post",
        std::make_shared<FoldedTokens>(std::vector<std::string>{"List-Unsubscribe=One-Click"}));
  }

  append_field(
      header, "MIME-Version",
      std::make_shared<vmime::text>(vmime::word("1.0", vmime::charset(vmime::charsets::US_ASCII))));

  // The boundary is set before the parts are added, so vmime keeps it.
  auto content_type = vmime::headerFieldFactory::getInstance()->create("Content-Type");
  content_type->setValue(
      vmime::mediaType(vmime::mediaTypes::MULTIPART, vmime::mediaTypes::MULTIPART_ALTERNATIVE));
  std::dynamic_pointer_cast<vmime::contentTypeField>(content_type)
      ->setBoundary(boundary_for(message.message_id));
  header.appendField(content_type);

  // Least preferred first (RFC 2046 5.1.4): plain text, then HTML.
  vmime::body& body = *msg->getBody();
  body.appendPart(text_part(vmime::mediaTypes::TEXT_PLAIN, html_to_text(message.html)));
  body.appendPart(text_part(vmime::mediaTypes::TEXT_HTML, message.html));

  vmime::generationContext ctx;
  ctx.setMaxLineLength(kVmimeLineLength);
  ctx.setWrapMessageId(false);  // "Message-ID: <id>" on one line, never "Message-ID:" CRLF " <id>"
  std::string out;
  vmime::utility::outputStreamStringAdapter os(out);
  msg->generate(ctx, os);
  return out;
}

}  // namespace touchpoint::mail
