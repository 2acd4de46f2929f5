#include <touchpoint/mail/mime.hpp>

#include <array>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <date/date.h>
#include <gmime/gmime.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <touchpoint/core/header_token.hpp>
#include <touchpoint/core/threading.hpp>

// The message is written directly: a small RFC 5322 / RFC 2047 header writer here, and the
// bodies encoded (quoted-printable, base64) by GMime. vmime's object model built a 4 KB message
// in about 350 µs of CPU (its header word encoding, QP encoder and component tree each took a
// third; measured with perf), too slow for the delivery target; GMime's own header encoder
// writes encoded words of up to 170 characters for long runs of non-ASCII text, past RFC 2047's
// 75, so headers are not left to it.

namespace touchpoint::mail {
namespace {

constexpr std::size_t kMaxHeaderLine = 76;   // RFC 2047 2: a line holding an encoded word
constexpr std::size_t kMaxEncodedWord = 75;  // RFC 2047 2
constexpr std::string_view kCrlf = "\r\n";

void ensure_gmime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

bool is_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// Values that go into headers verbatim (addresses, ids, URLs) must not carry line breaks,
// spaces or angle brackets: they would break the header or inject a new one.
void require_plain_token(std::string_view what, std::string_view value) {
  if (!core::is_plain_token(value))
    throw std::invalid_argument("build_mime: " + std::string(what) +
                                " holds a space, control character or angle bracket");
}

// One header being written: the line position is tracked so that tokens fold (CRLF + space)
// before they would pass kMaxHeaderLine, never before the first token.
class HeaderWriter {
 public:
  explicit HeaderWriter(std::string& out) : out_(out) {}

  void start(std::string_view name) {
    out_.append(name);
    out_ += ':';
    pos_ = name.size() + 1;
    first_ = true;
  }
  void end() { out_.append(kCrlf); }

  // Room left on the line after the separating space.
  std::size_t room() const { return pos_ + 1 >= kMaxHeaderLine ? 0 : kMaxHeaderLine - pos_ - 1; }

  void token(std::string_view t) {
    if (!first_ && pos_ + 1 + t.size() > kMaxHeaderLine) fold();
    out_ += ' ';
    out_.append(t);
    pos_ += 1 + t.size();
    first_ = false;
  }
  void fold() {
    out_.append(kCrlf);
    pos_ = 0;
  }
  bool at_first() const { return first_; }

  // Several tokens separated by single spaces.
  void tokens(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
      const std::size_t j = text.find(' ', i);
      const std::size_t end = j == std::string_view::npos ? text.size() : j;
      if (end > i) token(text.substr(i, end - i));
      i = end + 1;
    }
  }

 private:
  std::string& out_;
  std::size_t pos_ = 0;
  bool first_ = true;
};

// UTF-8 text as RFC 2047 "B" encoded words, each within 75 characters and cut only between
// characters (so every word decodes on its own), filling the current line before folding.
void encoded_words(HeaderWriter& w, std::string_view text) {
  constexpr std::string_view kPrefix = "=?utf-8?B?";
  constexpr std::size_t kOverhead = kPrefix.size() + 2;  // and "?="
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t room = std::min(w.room(), kMaxEncodedWord);
    if (!w.at_first() && room < kOverhead + 8) {  // not even two characters' worth: fold
      w.fold();
      room = std::min(w.room(), kMaxEncodedWord);
    }
    const std::size_t max_bytes = (room - kOverhead) / 4 * 3;
    // Take whole characters while they fit; always at least one.
    std::size_t end = i;
    for (;;) {
      std::size_t next = end + 1;
      while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) ++next;
      if (end > i && next - i > max_bytes) break;
      end = next;
      if (end >= text.size()) break;
    }
    std::string word(kPrefix);
    const std::size_t n = end - i;
    std::string b64(4 * ((n + 2) / 3), '\0');
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                    reinterpret_cast<const unsigned char*>(text.data() + i), static_cast<int>(n));
    word += b64;
    word += "?=";
    w.token(word);
    i = end;
  }
}

// RFC 5322 atext, plus the space between words of a phrase.
bool is_phrase_char(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~ ").find(c) != std::string_view::npos;
}

// A display name: as it is when it is plain words, a quoted string when it holds specials
// (a comma, a dot), encoded words when it holds non-ASCII.
void phrase(HeaderWriter& w, std::string_view name) {
  if (!is_ascii(name)) return encoded_words(w, name);
  bool plain = name.find("  ") == std::string_view::npos && !name.empty() && name.front() != ' ' &&
               name.back() != ' ';
  for (char c : name) plain = plain && is_phrase_char(c);
  if (plain) return w.tokens(name);
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  quoted += '"';
  w.token(quoted);  // a quoted string is not folded inside
}

void mailbox(HeaderWriter& w, std::string_view name_raw, std::string_view email) {
  const std::string name = one_line(name_raw);
  if (name.find_first_not_of(' ') == std::string::npos) return w.token(email);
  phrase(w, name);
  w.token("<" + std::string(email) + ">");
}

void unstructured(HeaderWriter& w, std::string_view text_raw) {
  const std::string text = one_line(text_raw);
  if (is_ascii(text) && text.find("=?") == std::string::npos &&
      text.find("  ") == std::string::npos && (text.empty() || text.front() != ' '))
    return w.tokens(text);
  encoded_words(w, text);
}

std::string rfc5322_date(core::Timestamp t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto day = date::floor<date::days>(t);
  const date::year_month_day ymd{day};
  const date::weekday wd{day};
  const date::hh_mm_ss hms{t - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %u %s %d %02d:%02d:%02d +0000", kDays[wd.c_encoding()],
                unsigned{ymd.day()}, kMonths[unsigned{ymd.month()} - 1], int{ymd.year()},
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

// Quoted-printable while most octets are ASCII (Swedish, Dutch, English); base64 once escapes
// would cost more than base64's third (Korean, Japanese).
GMimeContentEncoding body_encoding(std::string_view s) {
  std::size_t high = 0;
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) ++high;
  }
  return high * 6 <= s.size() ? GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE
                              : GMIME_CONTENT_ENCODING_BASE64;
}

// A text part: its headers and its content encoded by GMime in lines of at most 76 octets,
// every line ending in CRLF.
void text_part(std::string& out, std::string_view boundary, std::string_view subtype,
               std::string_view content) {
  const std::string lf = to_lf(content);
  const GMimeContentEncoding encoding = body_encoding(lf);
  out += "--";
  out.append(boundary);
  out += "\r\nContent-Type: text/";
  out.append(subtype);
  out += "; charset=utf-8\r\nContent-Transfer-Encoding: ";
  out += encoding == GMIME_CONTENT_ENCODING_BASE64 ? "base64" : "quoted-printable";
  out += "\r\n\r\n";

  GMimeEncoding state;
  g_mime_encoding_init_encode(&state, encoding);
  std::string encoded(g_mime_encoding_outlen(&state, lf.size()) + 8, '\0');
  const std::size_t n = g_mime_encoding_flush(&state, lf.data(), lf.size(), encoded.data());
  encoded.resize(n);
  out.reserve(out.size() + n + n / 32 + 4);
  const std::string_view lines(encoded);
  for (std::size_t at = 0; at < lines.size();) {
    const std::size_t end = lines.find('\n', at);
    if (end == std::string_view::npos) {
      out.append(lines.substr(at));
      break;
    }
    out.append(lines.substr(at, end - at));
    out.append(kCrlf);
    at = end + 1;
  }
  // The CRLF before the next boundary belongs to the boundary (RFC 2046 5.1.1): after
  // quoted-printable it is always added, so a body ending in a line break keeps it; base64 ends
  // its last line itself.
  if (encoding != GMIME_CONTENT_ENCODING_BASE64 || !out.ends_with(kCrlf)) out.append(kCrlf);
}

// A boundary derived from the Message-ID: deterministic (the same message gives the same
// bytes). "=_" never occurs in quoted-printable or base64 output.
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

}  // namespace

std::string thread_index(const core::OutgoingMessage& message) {
  // SHA-256 fetched from OpenSSL's providers once: the one-shot SHA256() looks it up per call.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);  // kept for good
  auto digest = [](const std::string& id) {
    std::array<unsigned char, SHA256_DIGEST_LENGTH> out{};
    if (!sha256 || EVP_Digest(id.data(), id.size(), out.data(), nullptr, sha256, nullptr) != 1)
      throw std::runtime_error("SHA-256 is not available from OpenSSL");
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
  ensure_gmime();

  if (message.message_id.empty()) throw std::invalid_argument("build_mime: empty message_id");
  require_plain_token("message_id", message.message_id);
  require_plain_token("from_email", message.from_email);
  require_plain_token("to_email", message.to_email);
  require_plain_token("in_reply_to", message.in_reply_to);
  for (const auto& ref : message.references) require_plain_token("references", ref);
  require_plain_token("unsubscribe_url", message.unsubscribe_url);
  require_plain_token("unsubscribe_mailto", message.unsubscribe_mailto);

  std::string out;
  out.reserve(1024 + message.html.size() * 2);
  HeaderWriter w(out);
  auto header = [&](std::string_view name, auto&& write) {
    w.start(name);
    write();
    w.end();
  };

  header("Message-ID", [&] { w.token("<" + message.message_id + ">"); });
  header("Date", [&] { w.tokens(rfc5322_date(message.date)); });
  header("From", [&] { mailbox(w, message.from_name, message.from_email); });
  header("To", [&] { mailbox(w, message.to_name, message.to_email); });
  header("Subject", [&] { unstructured(w, message.subject); });
  if (!message.in_reply_to.empty())
    header("In-Reply-To", [&] { w.token("<" + message.in_reply_to + ">"); });
  if (!message.references.empty())
    header("References", [&] {
      for (const auto& ref : message.references) w.token("<" + ref + ">");
    });
  // Outlook groups conversations by these.
  header("Thread-Topic", [&] { unstructured(w, core::thread_topic(message.subject)); });
  header("Thread-Index", [&] { w.token(thread_index(message)); });
  // RFC 2369 List-Unsubscribe (HTTPS first, then mailto); RFC 8058 one-click needs the HTTPS URL.
  if (!message.unsubscribe_url.empty() || !message.unsubscribe_mailto.empty())
    header("List-Unsubscribe", [&] {
      if (!message.unsubscribe_url.empty())
        w.token("<" + message.unsubscribe_url + ">" +
                (message.unsubscribe_mailto.empty() ? "" : ","));
      if (!message.unsubscribe_mailto.empty()) w.token("<" + message.unsubscribe_mailto + ">");
    });
  if (!message.unsubscribe_url.empty())
    header("List-Unsubscribe-Post", [&] { w.token("List-Unsubscribe=One-Click"); });
  header("MIME-Version", [&] { w.token("1.0"); });
  const std::string boundary = boundary_for(message.message_id);
  header("Content-Type", [&] {
    w.token("multipart/alternative;");
    w.token("boundary=\"" + boundary + "\"");
  });
  out.append(kCrlf);

  // Least preferred first (RFC 2046 5.1.4): plain text, then HTML.
  text_part(out, boundary, "plain", html_to_text(message.html));
  text_part(out, boundary, "html", message.html);
  out += "--";
  out += boundary;
  out += "--\r\n";
  return out;
}

std::string to_lf(std::string_view s) {
  if (s.find('\r') == std::string_view::npos) return std::string(s);
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out += '\n';
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string one_line(std::string_view s) {
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
  return clean;
}

}  // namespace touchpoint::mail
