#include <touchpoint/core/calendar.hpp>

namespace touchpoint::core {

bool Calendar::allowed(LocalDate day) const {
  if (skip_weekends_) {
    date::weekday wd{day};
    if (wd == date::Saturday || wd == date::Sunday) return false;
  }
  return !holidays_.contains(day);
}

LocalDate Calendar::first_allowed_from(LocalDate day) const {
  // Terminates: at most 2 weekend days in a row, and holidays are finite.
  while (!allowed(day)) day += date::days{1};
  return day;
}

LocalDate Calendar::advance(LocalDate day, int n) const {
  for (int i = 0; i < n; ++i) day = first_allowed_from(day + date::days{1});
  return day;
}

int Calendar::allowed_between(LocalDate from, LocalDate to) const {
  int count = 0;
  for (auto d = from + date::days{1}; d <= to; d += date::days{1})
    if (allowed(d)) ++count;
  return count;
}

}  // namespace touchpoint::core
