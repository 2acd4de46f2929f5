#include <touchpoint/core/time.hpp>

#include <charconv>
#include <cstdio>

namespace touchpoint::core {
namespace {

// Reads exactly `width` digits at `pos`; advances `pos`.
bool read_digits(std::string_view s, std::size_t& pos, std::size_t width, int& out) {
  if (pos + width > s.size()) return false;
  int value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += width;
  out = value;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

std::string format_offset(std::chrono::seconds offset) {
  auto total = offset.count();
  char sign = total < 0 ? '-' : '+';
  if (total < 0) total = -total;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", sign, static_cast<int>(total / 3600),
                static_cast<int>((total % 3600) / 60));
  return buf;
}

std::string format_wall(date::local_seconds t) {
  auto day = date::floor<date::days>(t);
  date::year_month_day ymd{day};
  date::hh_mm_ss hms{t - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

}  // namespace

std::optional<TimeOfDay> parse_hh_mm(std::string_view text) {
  std::size_t pos = 0;
  int h = 0, m = 0;
  if (!read_digits(text, pos, 2, h) || !expect(text, pos, ':') || !read_digits(text, pos, 2, m) ||
      pos != text.size())
    return std::nullopt;
  if (h > 23 || m > 59) return std::nullopt;
  return std::chrono::hours{h} + std::chrono::minutes{m};
}

std::optional<date::year_month_day> parse_date(std::string_view text) {
  std::size_t pos = 0;
  int y = 0, mo = 0, d = 0;
  if (!read_digits(text, pos, 4, y) || !expect(text, pos, '-') || !read_digits(text, pos, 2, mo) ||
      !expect(text, pos, '-') || !read_digits(text, pos, 2, d) || pos != text.size())
    return std::nullopt;
  date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                           date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

Timestamp clock_now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::optional<Timestamp> parse_instant(std::string_view text) {
  if (text.size() < 16) return std::nullopt;
  auto ymd = parse_date(text.substr(0, 10));
  if (!ymd) return std::nullopt;
  std::size_t pos = 10;
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' '))
    return std::nullopt;
  ++pos;
  int h = 0, m = 0, s = 0;
  if (!read_digits(text, pos, 2, h) || !expect(text, pos, ':') || !read_digits(text, pos, 2, m))
    return std::nullopt;
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    if (!read_digits(text, pos, 2, s)) return std::nullopt;
    // Fractions of a second are accepted and dropped: Touchpoint schedules to the second.
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
      ++pos;
      std::size_t digits = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos, ++digits;
      if (digits == 0) return std::nullopt;
    }
  }
  if (h > 23 || m > 59 || s > 59) return std::nullopt;
  if (pos >= text.size()) return std::nullopt;  // no offset: ambiguous, rejected
  std::chrono::seconds offset{0};
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh = 0, om = 0;
    if (!read_digits(text, pos, 2, oh)) return std::nullopt;
    if (pos < text.size() && text[pos] == ':') ++pos;
    if (!read_digits(text, pos, 2, om)) return std::nullopt;
    if (oh > 23 || om > 59) return std::nullopt;
    offset = sign * (std::chrono::hours{oh} + std::chrono::minutes{om});
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  auto local = date::sys_days{*ymd} + std::chrono::hours{h} + std::chrono::minutes{m} +
               std::chrono::seconds{s};
  return Timestamp{local - offset};
}

const date::time_zone* find_zone(std::string_view name) {
  if (name.empty()) return nullptr;
  try {
    return date::locate_zone(name);
  } catch (const std::runtime_error&) {
    return nullptr;
  }
}

std::string format_utc(Timestamp t) {
  return format_wall(date::local_seconds{t.time_since_epoch()}) + "Z";
}

std::string format_local(Timestamp t, const date::time_zone& zone) {
  auto info = zone.get_info(t);
  return format_wall(date::local_seconds{t.time_since_epoch() + info.offset}) +
         format_offset(info.offset);
}

std::string format_hh_mm(TimeOfDay t) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(t.count() / 3600),
                static_cast<int>((t.count() % 3600) / 60));
  return buf;
}

std::string format_date(date::year_month_day d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

Timestamp to_instant(LocalTime local, const date::time_zone& zone) {
  // local_info.first is the offset in force before a gap (nonexistent) or the earlier of the
  // two instants (ambiguous); both are exactly what rule 7 asks for.
  auto info = zone.get_info(local);
  return Timestamp{local.time_since_epoch() - info.first.offset};
}

LocalTime to_local(Timestamp t, const date::time_zone& zone) {
  return zone.to_local(t);
}

}  // namespace touchpoint::core
