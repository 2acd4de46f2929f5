#pragma once
// The Salesforce sync's schedule inside `serve` (sync_commands.cpp).

#include <iosfwd>
#include <stop_token>

#include "context.hpp"

namespace touchpoint::app {

// Pushes then pulls every salesforce.sync_interval_seconds on the calling thread, with its own
// store, until `stop` is requested (a run in progress starts no new call and ends). Errors go
// to `log` and to the sync's state ("last_error", read by GET /api/v1/sync/salesforce); they
// never end the loop. Returns at once when Salesforce is not configured or the interval is 0.
void run_salesforce_schedule(Context& ctx, std::ostream& log, std::stop_token stop);

}  // namespace touchpoint::app
