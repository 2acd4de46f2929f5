#pragma once
// Allowed dates (scheduling rule 2): weekdays unless weekends are allowed, minus holidays.

#include <set>

#include <touchpoint/core/time.hpp>

namespace touchpoint::core {

class Calendar {
 public:
  Calendar(bool skip_weekends, std::set<LocalDate> holidays)
      : skip_weekends_(skip_weekends), holidays_(std::move(holidays)) {}

  bool allowed(LocalDate day) const;
  // The first allowed date on or after `day`.
  LocalDate first_allowed_from(LocalDate day) const;
  // The n-th allowed date after `day` (n >= 0; n == 0 gives `day` itself).
  LocalDate advance(LocalDate day, int n) const;
  // How many allowed dates lie in (from, to]; 0 when to <= from.
  int allowed_between(LocalDate from, LocalDate to) const;

 private:
  bool skip_weekends_;
  std::set<LocalDate> holidays_;
};

}  // namespace touchpoint::core
