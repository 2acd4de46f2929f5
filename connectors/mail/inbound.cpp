#include <touchpoint/mail/inbound.hpp>

#include <algorithm>
#include <cstddef>
#include <exception>
#include <iterator>
#include <map>
#include <regex>
#include <utility>

#include <vmime/vmime.hpp>

#include <touchpoint/mail/mime.hpp>

#include "vmime_platform.hpp"

namespace touchpoint::mail {
namespace {

// How many days after the X of "until X" (and "tot en met X", "bis X", "X까지") the sequencer
// may write again. Such a text strictly means "away through X", but "until" is loose in every
// language, and the issue's example (tests/fixtures/inbound/out-of-office.eml: "afwezig tot en
// met 16 maart 2026" / "until March 16, 2026") pauses the enrollment until 2026-03-16. An
// explicit return date ("back on X") anywhere in the text is preferred over an "until" date.
constexpr date::days kDaysAfterUntil{0};

constexpr int kMaxMimeDepth = 8;                       // nesting of multiparts we follow
constexpr std::size_t kMaxPreCueGap = 64;              // bytes between a cue and the date after it
constexpr std::size_t kMaxPostCueGap = 40;             // bytes between a date and the cue after it
constexpr std::size_t kMaxReturnDateText = 16 * 1024;  // return dates are near the top

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Lower-cases ASCII and the UTF-8 Latin-1 capitals (Å Ä Ö Ü ...), keeping every byte position.
std::string lower(std::string_view s) {
  std::string out(s);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = lower(out[i]);
    const auto next = i + 1 < out.size() ? static_cast<unsigned char>(out[i + 1]) : 0U;
    if (static_cast<unsigned char>(out[i]) == 0xC3 && next >= 0x80 && next <= 0x9E &&
        next != 0x97) {
      out[i + 1] = static_cast<char>(next + 0x20);
      ++i;
    }
  }
  return out;
}

bool is_ascii_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_ascii_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

std::string trim(std::string_view s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The Message-IDs in a header value: the <...> tokens, brackets dropped; a bare id when the
// value holds no brackets at all.
std::vector<std::string> message_ids(std::string_view value) {
  static const std::regex kBracketed("<([^<>\\s]+)>");
  std::vector<std::string> ids;
  const std::string v(value);
  for (auto it = std::sregex_iterator(v.begin(), v.end(), kBracketed); it != std::sregex_iterator();
       ++it) {
    ids.push_back((*it)[1].str());
  }
  if (ids.empty()) {
    const std::string bare = trim(v);
    if (!bare.empty() && bare.find('@') != std::string::npos &&
        std::none_of(bare.begin(), bare.end(), is_space)) {
      ids.push_back(bare);
    }
  }
  return ids;
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    if (c < 0x80)
      n = 0;
    else if ((c & 0xE0) == 0xC0)
      n = 1;
    else if ((c & 0xF0) == 0xE0)
      n = 2;
    else if ((c & 0xF8) == 0xF0)
      n = 3;
    else
      return false;
    if (i + n >= s.size() && n > 0) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n + 1;
  }
  return true;
}

// Decoded header text in UTF-8. vmime labels unencoded words US-ASCII and would mangle the raw
// UTF-8 that many mailers put in headers (RFC 6532), so such words are kept as they are.
std::string to_utf8(const vmime::text& text) {
  std::string out;
  for (std::size_t i = 0; i < text.getWordCount(); ++i) {
    const auto word = text.getWordAt(i);
    if (lower(word->getCharset().getName()) == "us-ascii" && valid_utf8(word->getBuffer())) {
      out += word->getBuffer();
    } else {
      out += word->getConvertedText(vmime::charsets::UTF_8);
    }
  }
  return out;
}

// A header field's value as UTF-8 text, or "" when the field is missing.
std::string field_text(const vmime::header& header, const std::string& name) {
  const auto field = header.findField(name);
  if (!field) return {};
  const auto value = field->getValue();
  if (!value) return {};
  if (const auto text = vmime::dynamicCast<const vmime::text>(value)) return to_utf8(*text);
  return value->generate();
}

std::string from_address(const vmime::header& header) {
  const auto field = header.findField(vmime::fields::FROM);
  if (!field) return {};
  if (const auto mailbox = vmime::dynamicCast<const vmime::mailbox>(field->getValue())) {
    return trim(mailbox->getEmail().toString());
  }
  // Anything else (a group, a list): the first thing that looks like an address.
  static const std::regex kAddress("[^\\s<>\"@,;:]+@[^\\s<>\",;]+");
  const std::string text = field->getValue()->generate();
  std::smatch m;
  return std::regex_search(text, m, kAddress) ? m.str() : std::string();
}

std::optional<date::year_month_day> sent_date(const vmime::header& header) {
  const auto field = header.findField(vmime::fields::DATE);
  if (!field) return std::nullopt;
  const auto dt = vmime::dynamicCast<const vmime::datetime>(field->getValue());
  if (!dt) return std::nullopt;
  const date::year_month_day ymd{date::year{dt->getYear()},
                                 date::month{static_cast<unsigned>(dt->getMonth())},
                                 date::day{static_cast<unsigned>(dt->getDay())}};
  if (!ymd.ok() || dt->getYear() < 1970) return std::nullopt;
  return ymd;
}

// The decoded (transfer encoding undone) content of a leaf part.
std::string decoded_content(const vmime::body& body) {
  std::string out;
  vmime::utility::outputStreamStringAdapter os(out);
  body.getContents()->extract(os);
  os.flush();
  return out;
}

// Text in the part's charset, converted to UTF-8. Text labelled US-ASCII (or not labelled) that
// is valid UTF-8 is kept as is: 8-bit mail often forgets its charset.
std::string text_content(const vmime::body& body) {
  std::string raw = decoded_content(body);
  const std::string charset = lower(body.getCharset().getName());
  if (charset == "utf-8" || charset == "utf8" ||
      ((charset == "us-ascii" || charset.empty()) && valid_utf8(raw))) {
    return raw;
  }
  try {
    std::string out;
    vmime::charset::convert(raw, out, body.getCharset(), vmime::charsets::UTF_8);
    return out;
  } catch (const std::exception&) {
    return raw;  // an unknown charset: better the bytes than nothing
  }
}

// Header-like blocks ("Name: value" lines, folded lines joined, blocks split at blank lines):
// the body of message/delivery-status, or the head of an embedded message. Names lower-cased.
using FieldBlock = std::map<std::string, std::string>;

std::vector<FieldBlock> field_blocks(std::string_view text) {
  std::vector<FieldBlock> blocks(1);
  std::string last_name;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = end + 1;
    if (trim(line).empty()) {
      if (!blocks.back().empty()) blocks.emplace_back();
      last_name.clear();
    } else if (is_space(line.front())) {
      if (!last_name.empty()) blocks.back()[last_name] += " " + trim(line);
    } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
      last_name = lower(trim(line.substr(0, colon)));
      auto& value = blocks.back()[last_name];
      if (value.empty()) value = trim(line.substr(colon + 1));
    }
    if (end == text.size()) break;
  }
  if (blocks.back().empty()) blocks.pop_back();
  return blocks;
}

std::string block_value(const FieldBlock& block, const std::string& name) {
  const auto it = block.find(name);
  return it == block.end() ? std::string() : it->second;
}

// What the MIME walk collects.
struct Parts {
  std::string plain;
  std::string html;
  std::string delivery_status;   // the message/delivery-status body
  std::string original_headers;  // the head of the message/rfc822 or text/rfc822-headers part
  bool has_delivery_status = false;
};

bool is_attachment(const vmime::bodyPart& part) {
  const auto field = part.getHeader()->findField(vmime::fields::CONTENT_DISPOSITION);
  return field && starts_with(lower(trim(field->getValue()->generate())), "attachment");
}

void collect(const vmime::bodyPart& part, Parts& out, int depth) {
  const auto body = part.getBody();
  const auto type = body->getContentType();
  const std::string major = lower(type.getType());
  const std::string minor = lower(type.getSubType());
  if (major == "multipart") {
    if (depth >= kMaxMimeDepth) return;
    for (std::size_t i = 0; i < body->getPartCount(); ++i) {
      collect(*body->getPartAt(i), out, depth + 1);
    }
    return;
  }
  if (major == "message" && (minor == "delivery-status" || minor == "global-delivery-status")) {
    if (!out.has_delivery_status) out.delivery_status = decoded_content(*body);
    out.has_delivery_status = true;
  } else if ((major == "message" && (minor == "rfc822" || minor == "global")) ||
             (major == "text" && minor == "rfc822-headers") ||
             (major == "message" && minor == "global-headers")) {
    if (out.original_headers.empty()) out.original_headers = decoded_content(*body);
  } else if (major == "text" && minor == "plain" && !is_attachment(part)) {
    if (out.plain.empty()) out.plain = text_content(*body);
  } else if (major == "text" && minor == "html" && !is_attachment(part)) {
    if (out.html.empty()) out.html = text_content(*body);
  }
}

// "rfc822; <a@b>" -> "a@b".
std::string recipient_address(std::string recipient) {
  if (const auto semi = recipient.find(';'); semi != std::string::npos) {
    recipient = recipient.substr(semi + 1);
  }
  recipient = trim(recipient);
  if (recipient.size() >= 2 && recipient.front() == '<' && recipient.back() == '>') {
    recipient = recipient.substr(1, recipient.size() - 2);
  }
  return recipient;
}

// What a delivery-status part reports, read from its recipient blocks.
enum class DeliveryReport { none, bounce, delivered };

// Fills the bounce or delivery fields from the delivery-status part. A failed or delayed block
// wins over a delivered one (a report on several recipients is a bounce when any bounced);
// relayed and expanded blocks say nothing about the mailbox and give `none`.
DeliveryReport read_delivery_status(const Parts& parts, InboundMessage& msg) {
  static const std::regex kStatus("([245])\\.\\d{1,3}\\.\\d{1,3}");
  const auto blocks = field_blocks(parts.delivery_status);
  // Block 0 is per-message (Reporting-MTA, ...); then one block per recipient.
  std::size_t delivered_block = 0;
  std::size_t bounced_block = 0;
  for (std::size_t i = 1; i < blocks.size() && bounced_block == 0; ++i) {
    const auto& block = blocks[i];
    const std::string action = lower(block_value(block, "action"));
    std::smatch m;
    const std::string status_field = block_value(block, "status");
    const bool has_status = std::regex_search(status_field, m, kStatus);
    const char klass = has_status ? m.str(1)[0] : '\0';
    const bool hard = klass == '5' || (klass == '\0' && starts_with(action, "failed"));
    const bool soft = klass == '4' || (klass == '\0' && starts_with(action, "delayed"));
    if (hard || soft) {
      msg.bounce_kind = hard ? InboundMessage::BounceKind::hard : InboundMessage::BounceKind::soft;
      msg.status = has_status ? m.str() : std::string();
      bounced_block = i;
    } else if (delivered_block == 0 && starts_with(action, "delivered") &&
               (klass == '2' || klass == '\0')) {
      msg.status = has_status ? m.str() : std::string();
      delivered_block = i;
    }
  }
  const std::size_t chosen = bounced_block != 0 ? bounced_block : delivered_block;
  if (chosen == 0) {
    msg.status.clear();
    return DeliveryReport::none;
  }
  std::string recipient = block_value(blocks[chosen], "final-recipient");
  if (recipient.empty()) recipient = block_value(blocks[chosen], "original-recipient");
  msg.recipient = recipient_address(std::move(recipient));
  // Some MTAs name the original message in the per-message block.
  const auto ids = message_ids(block_value(blocks[0], "x-original-message-id"));
  if (!ids.empty()) msg.original_message_id = ids.front();
  return bounced_block != 0 ? DeliveryReport::bounce : DeliveryReport::delivered;
}

bool negative_flag(const std::string& value) {
  const std::string v = lower(trim(value));
  return v == "no" || v == "false" || v == "0";
}

// Out-of-office subject markers, lower-case, in English, Dutch, Swedish, German and Korean.
constexpr std::string_view kOutOfOfficeSubjects[] = {"out of office",
                                                     "out of the office",
                                                     "automatic reply",
                                                     "automatic response",
                                                     "auto reply",
                                                     "auto-reply",
                                                     "autoreply",
                                                     "auto response",
                                                     "auto-response",
                                                     "away from the office",
                                                     "afwezig",
                                                     "automatisch antwoord",
                                                     "automatisch bericht",
                                                     "niet aanwezig",
                                                     "autosvar",
                                                     "automatiskt svar",
                                                     "frånvaro",
                                                     "abwesenheitsnotiz",
                                                     "abwesenheit",
                                                     "automatische antwort",
                                                     "nicht im büro",
                                                     "부재중",
                                                     "자동 회신",
                                                     "자동회신",
                                                     "자동 응답",
                                                     "자동응답",
                                                     "휴가중"};

// True when the subject starts (after brackets and spaces) with an out-of-office marker, or,
// when `anywhere`, holds one.
bool out_of_office_subject(std::string_view subject, bool anywhere) {
  const std::string s = lower(subject);
  std::size_t b = 0;
  while (b < s.size() && (is_space(s[b]) || s[b] == '[' || s[b] == '(')) ++b;
  const std::string_view rest = std::string_view(s).substr(b);
  return std::any_of(std::begin(kOutOfOfficeSubjects), std::end(kOutOfOfficeSubjects),
                     [&](std::string_view marker) {
                       return anywhere ? rest.find(marker) != std::string_view::npos
                                       : starts_with(rest, marker);
                     });
}

bool is_auto_reply(const vmime::header& header, const std::string& subject) {
  // RFC 3834: auto-generated, auto-replied, auto-notified; "no" (maybe with a comment) is not.
  const std::string auto_submitted = lower(trim(field_text(header, "Auto-Submitted")));
  const std::string keyword = auto_submitted.substr(0, auto_submitted.find_first_of(" \t;("));
  if (!keyword.empty() && keyword != "no") return true;
  for (const char* name : {"X-Autoreply", "X-Autorespond", "X-Autoresponder"}) {
    if (header.hasField(name) && !negative_flag(field_text(header, name))) return true;
  }
  const std::string precedence = lower(trim(field_text(header, "Precedence")));
  if (precedence == "auto_reply") return true;
  const bool bulk = precedence == "bulk" || precedence == "junk" || precedence == "list";
  return out_of_office_subject(subject, /*anywhere=*/bulk);
}

// ---- Return dates -------------------------------------------------------------------------

struct MonthName {
  std::string_view name;
  unsigned month;
};

constexpr MonthName kMonthNames[] = {
    {"january", 1},  {"januari", 1},   {"januar", 1},    {"jänner", 1},   {"jan", 1},
    {"february", 2}, {"februari", 2},  {"februar", 2},   {"feb", 2},      {"march", 3},
    {"maart", 3},    {"mars", 3},      {"märz", 3},      {"maerz", 3},    {"mrt", 3},
    {"mar", 3},      {"april", 4},     {"apr", 4},       {"may", 5},      {"mei", 5},
    {"maj", 5},      {"mai", 5},       {"june", 6},      {"juni", 6},     {"jun", 6},
    {"july", 7},     {"juli", 7},      {"jul", 7},       {"augustus", 8}, {"augusti", 8},
    {"august", 8},   {"aug", 8},       {"september", 9}, {"sept", 9},     {"sep", 9},
    {"october", 10}, {"oktober", 10},  {"okt", 10},      {"oct", 10},     {"november", 11},
    {"nov", 11},     {"december", 12}, {"dezember", 12}, {"dec", 12},     {"dez", 12},
};

unsigned month_number(std::string_view name) {
  for (const auto& m : kMonthNames) {
    if (m.name == name) return m.month;
  }
  return 0;
}

// The month alternation, longest names first so "march" wins over "mar".
std::string month_alternation() {
  std::vector<std::string_view> names;
  for (const auto& m : kMonthNames) {
    names.push_back(m.name);
  }
  std::stable_sort(names.begin(), names.end(),
                   [](std::string_view a, std::string_view b) { return a.size() > b.size(); });
  std::string out = "(";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += '|';
    out += names[i];
  }
  return out + ")";
}

enum class Layout { ymd, kor, day_month, month_day, dmy };

struct DatePattern {
  std::regex re;
  Layout layout;
};

const std::vector<DatePattern>& date_patterns() {
  static const std::vector<DatePattern> patterns = [] {
    const std::string months = month_alternation();
    // Not followed by another letter (an ASCII one, or a UTF-8 lead byte such as the 'ä' of
    // a longer word).
    const std::string word_end = std::string("(?![a-z]|") + "\xc3" + ")";
    std::vector<DatePattern> p;
    p.push_back({std::regex(R"((\d{4})(?:-|/|\.\s?)(\d{1,2})(?:-|/|\.\s?)(\d{1,2})(?!\d)\.?)"),
                 Layout::ymd});
    p.push_back(
        {std::regex("(?:(\\d{4})\\s*년\\s*)?(\\d{1,2})\\s*월\\s*(\\d{1,2})\\s*일"), Layout::kor});
    p.push_back({std::regex(R"((\d{1,2})(?:\.|st|nd|rd|th|:e|:a|e)?\s*(?:of\s+)?)" + months +
                            word_end + R"(\.?(?:,?\s+(\d{4})(?!\d))?)"),
                 Layout::day_month});
    p.push_back({std::regex(months + word_end +
                            R"(\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?!\d)(?:,?\s+(\d{4})(?!\d))?)"),
                 Layout::month_day});
    p.push_back({std::regex(R"((\d{1,2})([./-])(\d{1,2})\2(\d{4})(?!\d))"), Layout::dmy});
    return p;
  }();
  return patterns;
}

struct FoundDate {
  std::size_t begin;
  std::size_t end;
  std::optional<int> year;
  unsigned month;
  unsigned day;
};

unsigned to_unsigned(const std::ssub_match& m) {
  return static_cast<unsigned>(std::stoul(m.str()));
}

std::optional<FoundDate> to_found(const std::smatch& m, Layout layout, std::size_t begin) {
  FoundDate d{begin, begin + static_cast<std::size_t>(m.length(0)), std::nullopt, 0, 0};
  switch (layout) {
    case Layout::ymd:
      d.year = std::stoi(m.str(1));
      d.month = to_unsigned(m[2]);
      d.day = to_unsigned(m[3]);
      break;
    case Layout::kor:
      if (m[1].matched) d.year = std::stoi(m.str(1));
      d.month = to_unsigned(m[2]);
      d.day = to_unsigned(m[3]);
      break;
    case Layout::day_month:
      d.day = to_unsigned(m[1]);
      d.month = month_number(m.str(2));
      if (m[3].matched) d.year = std::stoi(m.str(3));
      break;
    case Layout::month_day:
      d.month = month_number(m.str(1));
      d.day = to_unsigned(m[2]);
      if (m[3].matched) d.year = std::stoi(m.str(3));
      break;
    case Layout::dmy:
      d.day = to_unsigned(m[1]);
      d.month = to_unsigned(m[3]);
      d.year = std::stoi(m.str(4));
      // 3/16/2026 can only be American.
      if (m.str(2) == "/" && d.month > 12 && d.day <= 12) std::swap(d.day, d.month);
      break;
  }
  if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31) return std::nullopt;
  if (d.year && (*d.year < 1970 || *d.year > 2200)) return std::nullopt;
  return d;
}

// Every date in `text` (lower-cased), in order, without overlaps.
std::vector<FoundDate> find_dates(const std::string& text) {
  std::vector<FoundDate> all;
  for (const auto& pattern : date_patterns()) {
    for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern.re);
         it != std::sregex_iterator(); ++it) {
      const auto begin = static_cast<std::size_t>(it->position(0));
      // Only at the start of a word or number.
      if (begin > 0 && (is_ascii_alpha(text[begin - 1]) || is_ascii_digit(text[begin - 1]))) {
        continue;
      }
      if (auto d = to_found(*it, pattern.layout, begin)) all.push_back(*d);
    }
  }
  std::sort(all.begin(), all.end(), [](const FoundDate& a, const FoundDate& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  std::vector<FoundDate> kept;
  for (const auto& d : all) {
    if (kept.empty() || d.begin >= kept.back().end) kept.push_back(d);
  }
  return kept;
}

enum class Cue { none, back_on, until };

struct CueWord {
  std::string_view word;
  Cue cue;
};

// Words before a date: "back on X", "until X", "tot en met X", "tillbaka den X", "bis X".
constexpr CueWord kCuesBefore[] = {
    {"back", Cue::back_on},
    {"return", Cue::back_on},
    {"returning", Cue::back_on},
    {"returns", Cue::back_on},
    {"in the office", Cue::back_on},
    {"available again", Cue::back_on},
    {"terug", Cue::back_on},
    {"weer aanwezig", Cue::back_on},
    {"weer op kantoor", Cue::back_on},
    {"tillbaka", Cue::back_on},
    {"tillbaks", Cue::back_on},
    {"åter", Cue::back_on},
    {"zurück", Cue::back_on},
    {"wieder", Cue::back_on},
    {"복귀", Cue::back_on},
    {"출근", Cue::back_on},
    {"until", Cue::until},
    {"till", Cue::until},
    {"til", Cue::until},
    {"through", Cue::until},
    {"thru", Cue::until},
    {"tot", Cue::until},
    {"tot en met", Cue::until},
    {"t/m", Cue::until},
    {"till och med", Cue::until},
    {"t.o.m.", Cue::until},
    {"bis", Cue::until},
    {"einschließlich", Cue::until},
    {"einschl.", Cue::until},
};

// Words after a date: "2026년 3월 16일에 복귀", "3월 15일까지", "ab dem 16. März wieder im Büro",
// "vanaf 16 maart weer aanwezig", "från 16 mars är jag tillbaka".
constexpr CueWord kCuesAfter[] = {
    {"복귀", Cue::back_on},     {"출근", Cue::back_on}, {"wieder", Cue::back_on},
    {"zurück", Cue::back_on},   {"weer", Cue::back_on}, {"terug", Cue::back_on},
    {"tillbaka", Cue::back_on}, {"åter", Cue::back_on}, {"back", Cue::back_on},
};

// Whether `word` occurs in `text` at `pos` as a whole word (boundaries checked on ASCII ends
// only: Korean attaches particles, and "återkommer" is still a return).
bool word_at(std::string_view text, std::size_t pos, std::string_view word) {
  if (text.substr(pos, word.size()) != word) return false;
  const auto ascii = [](char c) { return static_cast<unsigned char>(c) < 0x80; };
  if (ascii(word.front()) && pos > 0 && is_ascii_alpha(text[pos - 1])) return false;
  const std::size_t after = pos + word.size();
  if (ascii(word.back()) && after < text.size() && is_ascii_alpha(text[after])) return false;
  return true;
}

// The cue closest before `end` in text[begin, end), in the same sentence as `end`.
Cue cue_before(std::string_view text, std::size_t begin, std::size_t end) {
  Cue best = Cue::none;
  std::size_t best_end = 0;
  std::size_t best_len = 0;
  for (std::size_t pos = begin; pos < end; ++pos) {
    for (const auto& c : kCuesBefore) {
      if (pos + c.word.size() > end || !word_at(text, pos, c.word)) continue;
      const std::size_t cue_end = pos + c.word.size();
      if (cue_end > best_end || (cue_end == best_end && c.word.size() > best_len)) {
        best = c.cue;
        best_end = cue_end;
        best_len = c.word.size();
      }
    }
  }
  if (best == Cue::none) return best;
  // A cue in an earlier sentence does not name this date.
  const std::string_view gap = text.substr(best_end, end - best_end);
  for (const std::string_view stop : {". ", "! ", "? ", ";"}) {
    if (gap.find(stop) != std::string_view::npos) return Cue::none;
  }
  return best;
}

// A cue after a date, within its clause: up to the next date, line, sentence or conjunction.
Cue cue_after(std::string_view text, std::size_t begin, std::size_t end) {
  const std::string_view clause = text.substr(begin, end - begin);
  std::size_t stop = clause.size();
  for (const std::string_view sep : {"\n", ". ", ",", ";", " and ", " en ", " och ", " und ",
                                     " but ", " maar ", " men ", " aber "}) {
    stop = std::min(stop, clause.find(sep));
  }
  const std::string_view window = clause.substr(0, stop);
  // Korean "까지" (until) follows the date directly.
  if (starts_with(trim(window), "까지")) return Cue::until;
  for (std::size_t pos = 0; pos < window.size(); ++pos) {
    for (const auto& c : kCuesAfter) {
      if (word_at(window, pos, c.word)) return c.cue;
    }
  }
  return Cue::none;
}

std::optional<date::year_month_day> resolve(const FoundDate& d,
                                            std::optional<date::year_month_day> sent_on) {
  const date::month month{d.month};
  const date::day day{d.day};
  if (d.year) {
    const date::year_month_day ymd{date::year{*d.year}, month, day};
    return ymd.ok() ? std::optional(ymd) : std::nullopt;
  }
  if (!sent_on) return std::nullopt;
  // The first such day on or after the day the message was sent.
  for (int y = static_cast<int>(sent_on->year()); y <= static_cast<int>(sent_on->year()) + 4; ++y) {
    const date::year_month_day ymd{date::year{y}, month, day};
    if (ymd.ok() && ymd >= *sent_on) return ymd;
  }
  return std::nullopt;
}

}  // namespace

std::optional<date::year_month_day> read_return_date(std::string_view text,
                                                     std::optional<date::year_month_day> sent_on) {
  // Lower-case ASCII (positions unchanged) and make no-break spaces plain ones.
  std::string t = lower(text.substr(0, kMaxReturnDateText));
  for (std::size_t p = t.find("\xc2\xa0"); p != std::string::npos; p = t.find("\xc2\xa0", p)) {
    t.replace(p, 2, " ");
  }
  const auto dates = find_dates(t);
  std::optional<date::year_month_day> first_until;
  for (std::size_t i = 0; i < dates.size(); ++i) {
    const auto& d = dates[i];
    // Before: back to the previous date, the line start, or kMaxPreCueGap bytes.
    std::size_t from = i > 0 ? dates[i - 1].end : 0;
    from = std::max(from, d.begin > kMaxPreCueGap ? d.begin - kMaxPreCueGap : 0);
    if (const auto nl = t.rfind('\n', d.begin); nl != std::string::npos && nl + 1 > from) {
      from = nl + 1;
    }
    Cue cue = cue_before(t, from, d.begin);
    if (cue == Cue::none) {
      const std::size_t to =
          std::min(i + 1 < dates.size() ? dates[i + 1].begin : t.size(), d.end + kMaxPostCueGap);
      cue = cue_after(t, d.end, to);
    }
    if (cue == Cue::none) continue;
    const auto ymd = resolve(d, sent_on);
    if (!ymd) continue;
    if (cue == Cue::back_on) return ymd;  // an explicit return date wins
    if (!first_until) first_until = date::year_month_day{date::sys_days{*ymd} + kDaysAfterUntil};
  }
  return first_until;
}

InboundMessage classify_inbound(std::string_view raw_rfc5322) {
  detail::ensure_vmime_platform();
  InboundMessage msg;
  try {
    vmime::message parsed;
    parsed.parse(std::string(raw_rfc5322));
    const auto header = parsed.getHeader();

    const auto own_ids = message_ids(field_text(*header, "Message-ID"));
    if (!own_ids.empty()) msg.message_id = own_ids.front();
    msg.from_email = from_address(*header);
    msg.subject = trim(field_text(*header, "Subject"));
    for (const char* name : {"In-Reply-To", "References"}) {
      for (auto& id : message_ids(field_text(*header, name))) {
        if (std::find(msg.refers_to.begin(), msg.refers_to.end(), id) == msg.refers_to.end()) {
          msg.refers_to.push_back(std::move(id));
        }
      }
    }
    msg.touchpoint_header = trim(field_text(*header, "X-Touchpoint-Message"));

    Parts parts;
    collect(parsed, parts, 0);
    msg.body_text = !parts.plain.empty()  ? parts.plain
                    : !parts.html.empty() ? html_to_text(parts.html)
                                          : std::string();

    // 1. Delivery status notifications.
    if (parts.has_delivery_status) {
      if (const auto report = read_delivery_status(parts, msg); report != DeliveryReport::none) {
        msg.kind = report == DeliveryReport::bounce ? InboundMessage::Kind::bounce
                                                    : InboundMessage::Kind::delivered;
        if (msg.original_message_id.empty()) {
          const auto blocks = field_blocks(parts.original_headers);
          const auto ids =
              message_ids(blocks.empty() ? std::string() : block_value(blocks[0], "message-id"));
          if (!ids.empty()) msg.original_message_id = ids.front();
        }
        if (msg.original_message_id.empty()) {
          const auto ids = message_ids(field_text(*header, "X-Original-Message-ID"));
          if (!ids.empty()) msg.original_message_id = ids.front();
        }
        return msg;
      }
      const auto blocks = field_blocks(parts.delivery_status);
      if (blocks.size() > 1) return msg;  // relayed or expanded: nothing to do
    }

    // 2. Automatic replies.
    if (is_auto_reply(*header, msg.subject)) {
      msg.kind = InboundMessage::Kind::auto_reply;
      msg.return_date = read_return_date(msg.subject + "\n" + msg.body_text, sent_date(*header));
      return msg;
    }

    // 3. Someone wrote back.
    msg.kind = msg.from_email.empty() ? InboundMessage::Kind::other : InboundMessage::Kind::reply;
  } catch (const std::exception&) {
    // Malformed beyond what vmime tolerates: keep what was read, classify by sender.
    if (msg.kind != InboundMessage::Kind::bounce && msg.kind != InboundMessage::Kind::delivered &&
        msg.kind != InboundMessage::Kind::auto_reply) {
      msg.kind = msg.from_email.empty() ? InboundMessage::Kind::other : InboundMessage::Kind::reply;
    }
  }
  return msg;
}

bool is_own(const InboundMessage& message, const std::set<std::string>& our_addresses) {
  if (!message.touchpoint_header.empty()) return true;
  if (message.from_email.empty()) return false;
  const std::string from = lower(message.from_email);
  return std::any_of(our_addresses.begin(), our_addresses.end(),
                     [&](const std::string& address) { return lower(trim(address)) == from; });
}

}  // namespace touchpoint::mail
