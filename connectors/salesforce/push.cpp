// Push: stage the changed Task records in the outbox, then drain it through sObject
// Collections upserts (PATCH composite/sobjects/Task/<external id field>, ≤ 200 records a call),
// `concurrency` calls at a time. Only this thread touches the store.
#include <touchpoint/salesforce/sync.hpp>

#include <chrono>
#include <map>
#include <thread>

namespace touchpoint::salesforce {
namespace {

constexpr std::size_t kMaxRecordsPerCall = 200;  // the sObject Collections limit

// Per-record errors worth another try: the row was locked by another transaction, or the
// server was briefly unavailable.
bool retryable(const std::string& code) {
  return code == "UNABLE_TO_LOCK_ROW" || code == "SERVER_UNAVAILABLE" ||
         code == "REQUEST_LIMIT_EXCEEDED";
}

std::string upsert_body(const std::vector<store::OutboxRow>& rows) {
  // The stored payloads are JSON object texts; each gets its attributes map in front.
  std::string body = R"({"allOrNone":false,"records":[)";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i) body += ',';
    body += R"({"attributes":{"type":"Task"},)";
    const auto& p = rows[i].payload;
    body.append(p, 1, std::string::npos);  // payload without its opening brace
  }
  body += "]}";
  return body;
}

struct CallOutcome {
  nlohmann::json results;
  std::optional<ApiError> error;
};

void save_token(store::Store& store, Api& api, core::Timestamp now) {
  if (!api.take_token_changed()) return;
  if (auto t = api.token())
    store.salesforce().set_state(
        "token", nlohmann::json{{"access_token", t->access_token}, {"instance_url", t->instance_url}}
                     .dump(),
        now);
}

}  // namespace

PushSummary drain(store::Store& store, Api& api, core::Timestamp now) {
  auto& repo = store.salesforce();
  const auto& settings = api.settings();
  const std::string path = api.data_path() + "/composite/sobjects/Task/" + settings.external_id_field;
  const auto concurrency = static_cast<std::size_t>(std::max(1, settings.concurrency));
  PushSummary s;
  std::map<std::string, int> tries;  // retryable record errors seen in this run, per record

  for (;;) {
    if (api.budget_spent()) {
      auto u = api.usage();
      s.stopped = "budget: " + std::to_string(u.used) + " of " + std::to_string(u.limit) +
                  " daily API calls used (budget_share " + std::to_string(settings.budget_share) +
                  ")";
      break;
    }
    auto rows = repo.pending(kMaxRecordsPerCall * concurrency, now);
    if (rows.empty()) break;
    std::vector<std::vector<store::OutboxRow>> chunks;
    for (std::size_t i = 0; i < rows.size(); i += kMaxRecordsPerCall)
      chunks.emplace_back(rows.begin() + static_cast<std::ptrdiff_t>(i),
                          rows.begin() + static_cast<std::ptrdiff_t>(
                                             std::min(i + kMaxRecordsPerCall, rows.size())));
    std::vector<CallOutcome> outcomes(chunks.size());
    auto send = [&](std::size_t i) {
      try {
        outcomes[i].results = api.call("PATCH", path, upsert_body(chunks[i]));
      } catch (const ApiError& e) {
        outcomes[i].error = e;
      }
    };
    if (chunks.size() == 1) {
      send(0);
    } else {
      std::vector<std::thread> threads;
      for (std::size_t i = 0; i < chunks.size(); ++i) threads.emplace_back(send, i);
      for (auto& t : threads) t.join();
    }

    std::optional<ApiError> call_error;
    bool retry_soon = false;
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      const auto& chunk = chunks[i];
      if (outcomes[i].error) {
        call_error = outcomes[i].error;  // the chunk's rows stay pending: nothing is lost
        continue;
      }
      const auto& results = outcomes[i].results;
      ++s.calls;
      s.sent += static_cast<long long>(chunk.size());
      if (!results.is_array() || results.size() != chunk.size()) {
        call_error = ApiError(FailureClass::permanent, "BAD_RESPONSE",
                              "the upsert response does not have one result per record");
        continue;
      }
      std::vector<store::OutboxRow> confirmed;
      std::vector<std::string> ids;
      for (std::size_t j = 0; j < chunk.size(); ++j) {
        const auto& r = results[j];
        if (r.value("success", false)) {
          confirmed.push_back(chunk[j]);
          ids.push_back(r.value("id", ""));
          if (r.value("created", false)) ++s.created;
          continue;
        }
        std::string code = "UNKNOWN", message;
        if (r.contains("errors") && r["errors"].is_array() && !r["errors"].empty()) {
          code = r["errors"][0].value("statusCode", "UNKNOWN");
          message = r["errors"][0].value("message", "");
        }
        if (retryable(code)) {
          ++s.retried;
          int n = ++tries[chunk[j].external_id];
          // Again in this run while tries remain, else at the next run in 15 minutes.
          repo.retry_later(chunk[j], code + ": " + message,
                           n < settings.max_attempts ? now : now + std::chrono::minutes(15));
          retry_soon = true;
        } else {
          ++s.failed;
          repo.fail(chunk[j], code + ": " + message, now);
          if (s.errors.size() < 20) s.errors.push_back({chunk[j].external_id, code, message});
        }
      }
      repo.confirm(confirmed, ids, now);
      s.confirmed += static_cast<long long>(confirmed.size());
    }
    save_token(store, api, now);
    if (call_error) {
      s.stopped = std::string(to_string(call_error->cls)) + ": " + call_error->what();
      break;
    }
    // A locked row is usually free again after a moment.
    if (retry_soon) std::this_thread::sleep_for(std::chrono::milliseconds(settings.backoff_ms));
  }
  s.pending = repo.counts().pending;
  nlohmann::json status = {{"at", core::format_utc(now)},
                           {"confirmed", s.confirmed},
                           {"failed", s.failed},
                           {"pending", s.pending},
                           {"stopped", s.stopped}};
  repo.set_state("last_push", status.dump(), now);
  if (!s.stopped.empty()) repo.set_state("last_error", s.stopped, now);
  return s;
}

PushSummary push(store::Store& store, Api& api, core::Timestamp now) {
  auto staged = store.salesforce().stage(task_records(store, api.settings()), now);
  auto s = drain(store, api, now);
  s.staged = static_cast<long long>(staged);
  return s;
}

}  // namespace touchpoint::salesforce
