// sync salesforce: push tasks and sent emails as Salesforce Tasks, pull Leads and Contacts
// (DESIGN.md §9).
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <ostream>

#include <touchpoint/salesforce/sync.hpp>

#include "commands.hpp"
#include "sync_schedule.hpp"
#include "table.hpp"

namespace touchpoint::app {
namespace {

std::optional<salesforce::Token> stored_token(store::Store& store) {
  auto text = store.salesforce().state("token");
  if (!text) return std::nullopt;
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (!doc.is_object() || !doc.contains("access_token")) return std::nullopt;
  return salesforce::Token{doc.value("access_token", ""), doc.value("instance_url", "")};
}

nlohmann::ordered_json push_json(const salesforce::PushSummary& s) {
  auto errors = nlohmann::ordered_json::array();
  for (const auto& e : s.errors)
    errors.push_back({{"external_id", e.external_id}, {"code", e.code}, {"message", e.message}});
  return {{"staged", s.staged},   {"sent", s.sent},       {"confirmed", s.confirmed},
          {"created", s.created}, {"retried", s.retried}, {"failed", s.failed},
          {"calls", s.calls},     {"pending", s.pending}, {"stopped", s.stopped},
          {"errors", errors}};
}

nlohmann::ordered_json pull_json(const salesforce::PullSummary& s) {
  return {{"fetched", s.fetched}, {"pages", s.pages},         {"inserted", s.inserted},
          {"updated", s.updated}, {"unchanged", s.unchanged}, {"skipped", s.skipped},
          {"deleted", s.deleted}};
}

int run_sync_salesforce(Context& ctx, const Args& args) {
  if (!args.positional.empty())
    throw UsageError("usage: touchpoint sync salesforce [--push|--pull] [--dry-run] [--json]");
  if (!ctx.config.salesforce)
    throw UsageError("the configuration has no \"salesforce\" section (see --config)");
  const auto& settings = *ctx.config.salesforce;
  const bool only_push = args.flag("push") && !args.flag("pull");
  const bool only_pull = args.flag("pull") && !args.flag("push");
  const bool dry_run = args.flag("dry-run");
  const bool json = args.flag("json");
  auto& store = ctx.store();
  auto now = ctx.now(args);
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  out["dry_run"] = dry_run;

  // A dry push is a local diff: it needs no token and sends nothing.
  if (dry_run && !only_pull) {
    auto diff = salesforce::push_diff(store, settings);
    auto entries = nlohmann::ordered_json::array();
    Table table({"EXTERNAL ID", "ACTION", "FIELDS"});
    for (const auto& d : diff) {
      entries.push_back(
          {{"external_id", d.external_id}, {"action", d.action}, {"fields", d.fields}});
      std::string fields;
      for (const auto& f : d.fields) fields += (fields.empty() ? "" : ", ") + f;
      table.add({d.external_id, d.action, fields});
    }
    out["push"] = {{"would_send", diff.size()}, {"records", entries}};
    if (!json) {
      ctx.out << "push (dry run): " << diff.size() << " Task record(s) would be sent\n";
      table.print(ctx.out);
    }
    if (only_push) {
      if (json) print_json(ctx.out, out);
      return 0;
    }
  }

  salesforce::Api api(settings, require(salesforce::load_secrets(settings)), stored_token(store));
  int status = 0;
  try {
    if (!only_pull && !dry_run) {
      auto s = salesforce::push(store, api, now);
      out["push"] = push_json(s);
      if (!json) {
        ctx.out << "push: " << s.confirmed << " confirmed (" << s.created << " created), "
                << s.failed << " failed, " << s.retried << " retried, " << s.pending
                << " pending, in " << s.calls << " call(s)\n";
        for (const auto& e : s.errors)
          ctx.out << "  " << e.external_id << ": " << e.code << ": " << e.message << "\n";
        if (!s.stopped.empty()) ctx.out << "  stopped: " << s.stopped << "\n";
      }
      if (!s.stopped.empty() || s.failed > 0) status = 1;
    }
    if (!only_push) {
      auto s = salesforce::pull(store, api, now, dry_run);
      out["pull"] = pull_json(s);
      if (!json)
        ctx.out << "pull" << (dry_run ? " (dry run, nothing stored)" : "") << ": " << s.fetched
                << " read in " << s.pages << " page(s); " << s.inserted << " new, " << s.updated
                << " updated, " << s.unchanged << " unchanged, " << s.skipped << " without email, "
                << s.deleted << " unlinked after deletion\n";
    }
  } catch (const salesforce::ApiError& e) {
    out["error"] = {
        {"class", salesforce::to_string(e.cls)}, {"code", e.code}, {"message", e.what()}};
    if (!dry_run) store.salesforce().set_state("last_error", e.what(), now);
    if (!json) ctx.err << "error: salesforce: " << e.what() << "\n";
    status = 1;
  }
  auto usage = api.usage();
  out["api_usage"] = {{"used", usage.used}, {"limit", usage.limit}};
  if (json) print_json(ctx.out, out);
  return status;
}

}  // namespace

void run_salesforce_schedule(Context& ctx, std::ostream& log, std::stop_token stop) {
  if (!ctx.config.salesforce || ctx.config.salesforce->sync_interval_seconds <= 0) return;
  const auto& settings = *ctx.config.salesforce;
  const auto interval = std::chrono::seconds(settings.sync_interval_seconds);
  auto store = store::open_sqlite_store(ctx.db_path);
  std::mutex mutex;
  std::condition_variable_any wake;  // only the stop request wakes it early
  std::optional<salesforce::Api> api;
  while (!stop.stop_requested()) {
    auto now = core::clock_now();
    std::string error;
    try {
      if (!api) {
        auto secrets = salesforce::load_secrets(settings);
        if (!secrets) throw std::runtime_error(secrets.error().message);
        api.emplace(settings, std::move(*secrets), stored_token(*store));
      }
      auto pushed = salesforce::push(*store, *api, now, stop);
      if (!pushed.stopped.empty() && pushed.stopped != "shutting down")
        error = "push stopped: " + pushed.stopped;
      for (const auto& e : pushed.errors)
        log << "salesforce: " << e.external_id << ": " << e.code << ": " << e.message << '\n';
      if (!stop.stop_requested()) salesforce::pull(*store, *api, now);
    } catch (const std::exception& e) {  // ApiError, a store error: logged, tried again later
      error = e.what();
    }
    if (!error.empty()) {
      log << "salesforce sync: " << error << std::endl;
      try {
        store->salesforce().set_state("last_error", error, now);
      } catch (const std::exception& e) {
        log << "salesforce sync: cannot record the error: " << e.what() << std::endl;
      }
    }
    try {
      store->salesforce().set_state(
          "schedule",
          nlohmann::json{{"interval_seconds", settings.sync_interval_seconds},
                         {"last_run_at", core::format_utc(now)},
                         {"next_run_at", core::format_utc(now + interval)},
                         {"ok", error.empty()}}
              .dump(),
          now);
    } catch (const std::exception& e) {
      log << "salesforce sync: cannot record the schedule: " << e.what() << std::endl;
    }
    std::unique_lock lock(mutex);
    wake.wait_for(lock, stop, interval, [] { return false; });
  }
}

void add_sync_commands(std::vector<Command>& out) {
  out.push_back({"sync salesforce",
                 "[--push|--pull] [--dry-run] [--json]",
                 "push tasks and sent emails to Salesforce, pull Leads and Contacts",
                 {{"now"}, {"push", "pull", "dry-run", "json"}},
                 run_sync_salesforce});
}

}  // namespace touchpoint::app
