// The loop that scrapes one target on its schedule (Prometheus' scrapeLoop), on a thread of
// its own so that a slow or hanging target never delays another one.
//
// Schedule: the first scrape waits for the target's offset (pinned to absolute time by the
// target's hash and the server's seed), then one scrape per interval; a scrape that starts
// within min(interval/100, 2ms) of its slot is stamped with the slot's time, so that
// timestamps stay regular and compress well. Each scrape writes its samples and its report
// (`up`, `scrape_duration_seconds`, ...) in one storage batch.
//
// Stop() ends the scraping. Unless the pool is being shut down (Cancel) or the loop was told
// its cache lives on in a replacement (DisableEndOfRunStaleness), the thread then waits two
// more intervals plus 10% and writes stale markers for everything the target exposed, as
// Prometheus does when a target disappears; a target that came back meanwhile has written
// newer samples, so those markers are refused as out of order.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "scrape/http_fetch.h"
#include "scrape/scrape_append.h"
#include "scrape/scrape_cache.h"
#include "scrape/target.h"
#include "storage/storage.h"

namespace promref::scrape {

// What the loops of a manager share.
struct LoopEnvironment {
  storage::Storage* storage = nullptr;
  uint64_t offset_seed = 0;
  std::string user_agent;
  bool extra_metrics = false;  // --enable-feature=extra-scrape-metrics
  // Test hook: no initial offset, so that a test does not wait for its slot.
  bool skip_offset = false;
};

class ScrapeLoop {
 public:
  ScrapeLoop(std::shared_ptr<Target> target, std::shared_ptr<ScrapeCache> cache, const LoopEnvironment& env,
             int64_t interval_ms, int64_t timeout_ms);
  ~ScrapeLoop();  // cancels and joins

  void Start();
  // Ends the scraping; returns once no scrape runs any more (end-of-run staleness may
  // follow on the loop's thread).
  void Stop();
  // Ends everything at once, end-of-run staleness included (pool stopping, shutdown).
  void Cancel();
  // Waits for the thread after Stop or Cancel.
  void Join();
  bool Finished() const { return finished_.load(); }

  void DisableEndOfRunStaleness() { end_of_run_disabled_ = true; }
  // An error every scrape reports instead of scraping (target_limit exceeded, bad interval).
  void SetForcedError(std::optional<std::string> error);

  const std::shared_ptr<ScrapeCache>& cache() const { return cache_; }
  const std::shared_ptr<Target>& target() const { return target_; }

  // One scrape stamped `append_time_ms`, synchronously (the loop uses it; so do tests).
  void ScrapeAndReport(int64_t append_time_ms);

 private:
  using Clock = std::chrono::system_clock;
  void Run();
  void EndOfRunStaleness(Clock::time_point next_tick);
  // Sleeps until `t`; false when stopped (or cancelled, with `cancel_only`) meanwhile.
  bool SleepUntil(Clock::time_point t, bool cancel_only);
  Status CommitReport(std::unique_ptr<storage::Appender> app, int64_t t, const ScrapeSummary& summary,
                      const AppendOutcome& outcome);

  const std::shared_ptr<Target> target_;
  const std::shared_ptr<ScrapeCache> cache_;
  const LoopEnvironment env_;
  const std::chrono::milliseconds interval_;
  const int64_t timeout_ms_;
  const std::shared_ptr<const config::ScrapeConfig> config_;
  const AppendOptions options_;
  HttpFetcher fetcher_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool cancel_ = false;
  bool stopped_ = false;  // no scrape will run any more
  std::optional<std::string> forced_error_;
  std::atomic<bool> end_of_run_disabled_{false};
  std::atomic<bool> finished_{false};
  std::atomic<bool> cancelled_flag_{false};  // read by the HTTP transfer
  int64_t last_scrape_ms_ = 0;               // 0: never scraped
  std::thread thread_;
};

}  // namespace promref::scrape
