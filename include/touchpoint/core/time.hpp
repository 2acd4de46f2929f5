#pragma once
// Time vocabulary. Inside Touchpoint every instant is a Timestamp (UTC seconds); local time
// appears only where a scheduling rule needs it. Nothing here reads the clock.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <date/date.h>
#include <date/tz.h>

namespace touchpoint::core {

using Timestamp = date::sys_seconds;
using LocalTime = date::local_seconds;
using LocalDate = date::local_days;

// A local time of day, HH:MM[:SS], as seconds since midnight.
using TimeOfDay = std::chrono::seconds;

// Parses "HH:MM" (00:00-23:59). Empty on anything else.
std::optional<TimeOfDay> parse_hh_mm(std::string_view text);

// Parses "YYYY-MM-DD" into a valid calendar date. Empty on anything else.
std::optional<date::year_month_day> parse_date(std::string_view text);

// The system clock, to the second.
Timestamp clock_now();

// Parses an ISO 8601 instant: "YYYY-MM-DDTHH:MM[:SS][.fff](Z|±HH:MM|±HHMM)". An instant
// without an offset is rejected: an instant must name its offset. Empty on anything else.
std::optional<Timestamp> parse_instant(std::string_view text);

// The zone named, or nullptr when the tz database does not know the name.
const date::time_zone* find_zone(std::string_view name);

// "2026-03-02T08:15:00Z"
std::string format_utc(Timestamp t);
// "2026-03-02T09:15:00+01:00", in the zone's offset at t.
std::string format_local(Timestamp t, const date::time_zone& zone);
// "09:30"
std::string format_hh_mm(TimeOfDay t);
// "2026-03-02"
std::string format_date(date::year_month_day d);

// Scheduling rule 7: a local time that does not exist (spring forward) is read with the
// offset in force before the gap, so it moves forward by the gap's length; a local time that
// occurs twice takes the earlier instant.
Timestamp to_instant(LocalTime local, const date::time_zone& zone);

// The local wall time of an instant in a zone.
LocalTime to_local(Timestamp t, const date::time_zone& zone);

}  // namespace touchpoint::core
