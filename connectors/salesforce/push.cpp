// Push: stage the changed Task records in the outbox, then drain it through sObject
// Collections upserts (PATCH composite/sobjects/Task/<external id field>, ≤ 200 records a call),
// `concurrency` calls in flight all the time. Only the caller's thread touches the store.
#include <touchpoint/salesforce/sync.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
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

void save_token(store::Store& store, Api& api, core::Timestamp now) {
  if (!api.take_token_changed()) return;
  if (auto t = api.token())
    store.salesforce().set_state(
        "token", nlohmann::json{{"access_token", t->access_token}, {"instance_url", t->instance_url}}
                     .dump(),
        now);
}

// The upsert calls run on `concurrency` worker threads that take batches from `todo` and hand
// their outcomes to `done`; the caller's thread (the only one touching the store) reads and
// builds the next batches and writes the previous results while calls are outstanding, so
// `concurrency` calls stay in flight for the whole drain.
struct Batch {
  std::vector<store::OutboxRow> rows;
  // Filled by the worker: one result per row (retries without their time yet), the records
  // Salesforce created, or why the call failed as a whole.
  std::vector<store::OutboxResult> results;
  long long created = 0;
  std::optional<ApiError> error;
  bool skipped = false;  // not sent: an earlier call had failed (its rows stay pending)
};

// Reads an upsert response into one result per record, on the worker's thread.
void read_results(Batch& b, const nlohmann::json& results) {
  if (!results.is_array() || results.size() != b.rows.size())
    throw ApiError(FailureClass::permanent, "BAD_RESPONSE",
                   "the upsert response does not have one result per record");
  b.results.reserve(b.rows.size());
  for (std::size_t j = 0; j < b.rows.size(); ++j) {
    const auto& r = results[j];
    if (r.value("success", false)) {
      if (r.value("created", false)) ++b.created;
      b.results.push_back({std::move(b.rows[j]), store::OutboxResult::Kind::confirmed,
                           r.value("id", ""), {}});
      continue;
    }
    std::string code = "UNKNOWN", message;
    if (r.contains("errors") && r["errors"].is_array() && !r["errors"].empty()) {
      code = r["errors"][0].value("statusCode", "UNKNOWN");
      message = r["errors"][0].value("message", "");
    }
    b.results.push_back({std::move(b.rows[j]),
                         retryable(code) ? store::OutboxResult::Kind::retry
                                         : store::OutboxResult::Kind::failed,
                         code + ": " + message, {}});
  }
}

class Calls {
 public:
  Calls(Api& api, std::string path, std::size_t workers) : api_(api), path_(std::move(path)) {
    for (std::size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }
  ~Calls() {
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
    }
    todo_ready_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void submit(std::unique_ptr<Batch> batch) {
    {
      std::lock_guard lock(mutex_);
      todo_.push_back(std::move(batch));
    }
    todo_ready_.notify_one();
  }
  // The next finished batch (blocks until one is).
  std::unique_ptr<Batch> next_done() {
    std::unique_lock lock(mutex_);
    done_ready_.wait(lock, [&] { return !done_.empty(); });
    auto b = std::move(done_.front());
    done_.pop_front();
    return b;
  }

 private:
  void work() {
    for (;;) {
      std::unique_ptr<Batch> b;
      {
        std::unique_lock lock(mutex_);
        todo_ready_.wait(lock, [&] { return closing_ || !todo_.empty(); });
        if (todo_.empty()) return;
        b = std::move(todo_.front());
        todo_.pop_front();
        b->skipped = failed_;
      }
      // Once a call failed after its retries, Salesforce is down or refuses us: the batches
      // still waiting are not sent (the next run sends them).
      if (!b->skipped) {
        try {
          read_results(*b, api_.call("PATCH", path_, upsert_body(b->rows)));
        } catch (const ApiError& e) {
          b->error = e;
        } catch (const std::exception& e) {
          b->error = ApiError(FailureClass::permanent, "INTERNAL", e.what());
        }
      }
      {
        std::lock_guard lock(mutex_);
        if (b->error) failed_ = true;
        done_.push_back(std::move(b));
      }
      done_ready_.notify_one();
    }
  }

  Api& api_;
  const std::string path_;
  std::mutex mutex_;
  std::condition_variable todo_ready_, done_ready_;
  std::deque<std::unique_ptr<Batch>> todo_, done_;
  bool closing_ = false;
  bool failed_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

PushSummary drain(store::Store& store, Api& api, core::Timestamp now,
                  std::stop_token stop_token) {
  auto& repo = store.salesforce();
  const auto& settings = api.settings();
  const auto concurrency = static_cast<std::size_t>(std::max(1, settings.concurrency));
  PushSummary s;
  std::map<std::string, int> tries;  // retryable record errors seen in this run, per record
  std::optional<std::string> stop;   // why no more batches are sent
  std::int64_t cursor = 0;           // the outbox position read up to in this pass
  bool pass_done = false;            // nothing pending after the cursor
  bool retry_soon = false;           // a record of this pass asked to be tried again
  std::size_t in_flight = 0;         // batches submitted and not yet settled
  Calls calls(api, api.data_path() + "/composite/sobjects/Task/" + settings.external_id_field,
              concurrency);

  auto settle = [&](Batch& b) {
    if (b.skipped) return;
    if (b.error) {  // the batch's rows stay pending: nothing is lost
      if (!stop) stop = std::string(to_string(b.error->cls)) + ": " + b.error->what();
      return;
    }
    ++s.calls;
    s.sent += static_cast<long long>(b.results.size());
    s.created += b.created;
    for (auto& r : b.results) {
      switch (r.kind) {
        case store::OutboxResult::Kind::confirmed: ++s.confirmed; break;
        case store::OutboxResult::Kind::retry: {
          ++s.retried;
          int n = ++tries[r.row.external_id];
          // Again in this run while tries remain, else at the next run in 15 minutes.
          r.retry_at = n < settings.max_attempts ? now : now + std::chrono::minutes(15);
          if (n < settings.max_attempts) retry_soon = true;
          break;
        }
        case store::OutboxResult::Kind::failed: {
          ++s.failed;
          if (s.errors.size() < 20) {
            auto colon = r.detail.find(": ");
            s.errors.push_back({r.row.external_id, r.detail.substr(0, colon),
                                colon == std::string::npos ? "" : r.detail.substr(colon + 2)});
          }
          break;
        }
      }
    }
    repo.settle(b.results, now);  // one transaction per batch
  };

  for (;;) {
    // Keep every worker busy and as many batches again waiting, so a finished call is
    // followed at once even when this thread is slow to write a result.
    while (!stop && !pass_done && in_flight < 2 * concurrency) {
      if (stop_token.stop_requested()) {
        stop = "shutting down";
        break;
      }
      if (api.budget_spent()) {
        auto u = api.usage();
        stop = "budget: " + std::to_string(u.used) + " of " + std::to_string(u.limit) +
               " daily API calls used (budget_share " + std::to_string(settings.budget_share) +
               ")";
        break;
      }
      auto b = std::make_unique<Batch>();
      b->rows = repo.pending_after(cursor, kMaxRecordsPerCall, now);
      if (b->rows.empty()) {
        pass_done = true;
        break;
      }
      cursor = b->rows.back().seq;
      calls.submit(std::move(b));
      ++in_flight;
    }
    if (in_flight == 0) {
      if (stop || !retry_soon) break;
      // A new pass for the records that asked for another try: a locked row is usually free
      // again after a moment.
      retry_soon = false;
      pass_done = false;
      cursor = 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(settings.backoff_ms));
      continue;
    }
    auto b = calls.next_done();
    --in_flight;
    settle(*b);
    save_token(store, api, now);
  }
  if (stop) s.stopped = *stop;
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

PushSummary push(store::Store& store, Api& api, core::Timestamp now, std::stop_token stop) {
  auto staged = stage_changes(store, api.settings(), now);
  auto s = drain(store, api, now, std::move(stop));
  s.staged = static_cast<long long>(staged);
  return s;
}

}  // namespace touchpoint::salesforce
