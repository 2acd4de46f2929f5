#pragma once
// What every command gets: where the database is, the configuration, the output streams and
// the clock ("now" comes from --now, else TOUCHPOINT_NOW, else the system clock).

#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <touchpoint/core/prospect_import.hpp>
#include <touchpoint/core/result.hpp>
#include <touchpoint/engine/engine.hpp>
#include <touchpoint/store/store.hpp>

#include "../config.hpp"
#include "args.hpp"

namespace touchpoint::app {

struct Context {
  Context(std::ostream& out_stream, std::ostream& err_stream) : out(out_stream), err(err_stream) {}

  std::ostream& out;
  std::ostream& err;
  std::filesystem::path db_path = "touchpoint.db";
  Config config;

  // Opens the database on first use.
  store::Store& store();
  // --now, TOUCHPOINT_NOW or the clock. Throws UsageError on a malformed instant.
  core::Timestamp now(const Args& args) const;
  std::filesystem::path outbox() const;
  // The mail transport: each rep's mailbox when the configuration has mailboxes, else the
  // folder transport writing to outbox().
  std::unique_ptr<core::MailTransport> transport() const;
  // The send limits of each configured mailbox, by owner address (ignoring ASCII case), for
  // engine::EngineConfig::limits; an empty function when no mailbox is configured (the folder
  // transport is not throttled).
  std::function<std::optional<core::SendLimits>(const std::string& from_email)> send_limits() const;
  // The engine's settings from the configuration: public URL and signing secret, limits, and
  // the "engine" keys (send_workers defaults to the mailboxes' SMTP connections, 1 each).
  engine::EngineConfig engine_config() const;
  // Where mail goes, for people: "the reps' mailboxes" or the outbox folder.
  std::string mail_destination() const;

 private:
  std::unique_ptr<store::Store> store_;
};

// Bad input from the user: printed as "error: <message>" with exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Unwraps a Result or throws UsageError with its message.
template <typename T>
T require(core::Result<T> result) {
  if (!result) throw UsageError(result.error().message);
  return std::move(*result);
}

std::string read_file(const std::filesystem::path& path);
core::Timestamp parse_instant_arg(const std::string& name, const std::string& text);

// Reads a prospects CSV with line-numbered errors; owners must be known reps.
core::ProspectBatch read_prospects_file(store::Store& store, const std::filesystem::path& path);

// Prints a batch's skipped rows to `err` ("line 11: ...").
void report_row_errors(std::ostream& err, const core::ProspectBatch& batch);

}  // namespace touchpoint::app
