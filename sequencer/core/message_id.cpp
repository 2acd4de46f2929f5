#include <touchpoint/core/message_id.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace touchpoint::core {
namespace {

constexpr std::string_view kPrefix = "tp2.";
constexpr std::string_view kEarlierPrefix = "tp.";

// Parses the whole of `text` as a number in `base`; nullopt when it is not one.
std::optional<std::int64_t> number(std::string_view text, int base) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string step_message_id(Timestamp due_at, std::int64_t step, std::uint64_t random,
                            std::string_view sender_email) {
  auto at = sender_email.rfind('@');
  std::string_view domain =
      at == std::string_view::npos ? "touchpoint.invalid" : sender_email.substr(at + 1);
  // A due instant before 1970 would not sort: none is made (schedules start from now).
  const auto due =
      static_cast<unsigned long long>(std::max<std::int64_t>(0, due_at.time_since_epoch().count()));
  char local[64];
  const int n =
      std::snprintf(local, sizeof local, "tp2.%09llx.%010llx.%016llx@", due,
                    static_cast<unsigned long long>(step), static_cast<unsigned long long>(random));
  std::string id;
  id.reserve(static_cast<std::size_t>(n) + domain.size());
  id.append(local, static_cast<std::size_t>(n));
  id.append(domain);
  return id;
}

std::optional<std::int64_t> step_of_message_id(std::string_view message_id) {
  const auto at = message_id.find('@');
  if (at == std::string_view::npos) return std::nullopt;
  auto local = message_id.substr(0, at);
  if (local.substr(0, kPrefix.size()) == kPrefix) {
    // tp2.<due>.<step>.<random>
    local.remove_prefix(kPrefix.size());
    const auto first = local.find('.');
    if (first == std::string_view::npos) return std::nullopt;
    const auto second = local.find('.', first + 1);
    if (second == std::string_view::npos) return std::nullopt;
    if (!number(local.substr(0, first), 16)) return std::nullopt;
    return number(local.substr(first + 1, second - first - 1), 16);
  }
  if (local.substr(0, kEarlierPrefix.size()) == kEarlierPrefix) {
    // tp.<step>.<random>
    local.remove_prefix(kEarlierPrefix.size());
    return number(local.substr(0, local.find('.')), 10);
  }
  return std::nullopt;
}

}  // namespace touchpoint::core
