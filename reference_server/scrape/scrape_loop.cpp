#include "scrape/scrape_loop.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "ingest/content_type.h"
#include "model/time.h"

namespace promref::scrape {
namespace {

constexpr auto kTimestampTolerance = std::chrono::milliseconds(2);  // --scrape.timestamp-tolerance

int64_t ToMillis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string AcceptFor(const config::ScrapeConfig& cfg) {
  std::vector<ingest::ScrapeProtocol> protocols;
  for (const auto& name : cfg.scrape_protocols) {
    if (auto p = ingest::ParseScrapeProtocol(name)) protocols.push_back(*p);
  }
  const std::string escaping =
      cfg.metric_name_escaping_scheme.empty() ? "allow-utf-8" : cfg.metric_name_escaping_scheme;
  return ingest::AcceptHeader(protocols, escaping);
}

std::string JsonString(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// scrape_failure_log_file: one JSON line per failed scrape, appended, as Prometheus' JSON file
// logger writes it (promslog's time, level and message, and the target), without the Go
// source position.
void LogFailure(const std::string& path, const std::string& target, const std::string& error) {
  const auto now = std::chrono::system_clock::now();
  const int64_t ms = ToMillis(now);
  const model::CivilTime c = model::CivilFromUnixSeconds(ms / 1000);
  char time[40];
  std::snprintf(time, sizeof time, "%04lld-%02d-%02dT%02d:%02d:%02d.%03lldZ",
                static_cast<long long>(c.date.year), c.date.month, c.date.day, c.hour, c.minute, c.second,
                static_cast<long long>(ms % 1000));
  std::string line = std::string("{\"time\":\"") + time +
                     "\",\"level\":\"ERROR\",\"msg\":" + JsonString(error) +
                     ",\"target\":" + JsonString(target) + "}\n";
  if (FILE* f = std::fopen(path.c_str(), "a")) {
    std::fwrite(line.data(), 1, line.size(), f);
    std::fclose(f);
  }
}

}  // namespace

ScrapeLoop::ScrapeLoop(std::shared_ptr<Target> target, std::shared_ptr<ScrapeCache> cache,
                       const LoopEnvironment& env, int64_t interval_ms, int64_t timeout_ms)
    : target_(std::move(target)),
      cache_(std::move(cache)),
      env_(env),
      interval_(interval_ms),
      timeout_ms_(timeout_ms),
      config_(target_->config()),
      options_([&] {
        AppendOptions o = OptionsFor(*config_, *target_, env.extra_metrics);
        o.timeout_seconds = static_cast<double>(timeout_ms) / 1000.0;
        return o;
      }()),
      fetcher_(config_->http_client) {
  target_->SetMetadata(cache_->metadata());
}

ScrapeLoop::~ScrapeLoop() {
  Cancel();
  Join();
}

void ScrapeLoop::Start() {
  thread_ = std::thread([this] { Run(); });
}

void ScrapeLoop::Stop() {
  std::unique_lock lock(mu_);
  stop_ = true;
  cv_.notify_all();
  if (!thread_.joinable()) return;
  cv_.wait(lock, [&] { return stopped_; });
}

void ScrapeLoop::Cancel() {
  {
    std::lock_guard lock(mu_);
    stop_ = cancel_ = true;
    cancelled_flag_ = true;
  }
  cv_.notify_all();
}

void ScrapeLoop::Join() {
  if (thread_.joinable()) thread_.join();
}

void ScrapeLoop::SetForcedError(std::optional<std::string> error) {
  std::lock_guard lock(mu_);
  forced_error_ = std::move(error);
}

bool ScrapeLoop::SleepUntil(Clock::time_point t, bool cancel_only) {
  std::unique_lock lock(mu_);
  const auto done = [&] { return cancel_only ? cancel_ : stop_; };
  return !cv_.wait_until(lock, t, done);
}

void ScrapeLoop::Run() {
  const auto interval = std::chrono::duration_cast<Clock::duration>(interval_);
  const int64_t now_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
  const int64_t offset_ns =
      env_.skip_offset ? 0 : target_->OffsetNanos(interval_.count() * 1'000'000, env_.offset_seed, now_ns);
  bool running = SleepUntil(Clock::now() + std::chrono::nanoseconds(offset_ns), false);
  Clock::time_point aligned = Clock::now();
  Clock::time_point next_tick = aligned;
  while (running) {
    Clock::time_point scrape_time = Clock::now();
    const auto tolerance = std::min(std::chrono::duration_cast<Clock::duration>(interval / 100),
                                    std::chrono::duration_cast<Clock::duration>(kTimestampTolerance));
    while (scrape_time - aligned >= interval) aligned += interval;
    if (scrape_time - aligned <= tolerance) scrape_time = aligned;
    ScrapeAndReport(ToMillis(scrape_time));
    // Ticks that a long scrape overran are skipped, as Go's ticker drops them.
    const auto now = Clock::now();
    do next_tick += interval;
    while (next_tick <= now);
    running = SleepUntil(next_tick, false);
  }
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
  if (!end_of_run_disabled_) EndOfRunStaleness(next_tick);
  finished_ = true;
}

void ScrapeLoop::EndOfRunStaleness(Clock::time_point next_tick) {
  if (last_scrape_ms_ == 0) return;  // never scraped: nothing to mark
  const auto interval = std::chrono::duration_cast<Clock::duration>(interval_);
  const auto now = Clock::now();
  while (next_tick <= now) next_tick += interval;
  if (!SleepUntil(next_tick, true)) return;
  const int64_t stale_time = ToMillis(Clock::now());
  if (!SleepUntil(next_tick + interval, true)) return;
  if (!SleepUntil(Clock::now() + interval / 10, true)) return;
  if (end_of_run_disabled_) return;
  auto app = env_.storage->MakeAppender();
  Status st = ScrapeAppender(*app, *cache_, *target_, options_, stale_time).AppendEmpty(stale_time);
  if (!st.ok()) {
    app->Rollback();
    app = env_.storage->MakeAppender();
  }
  if (ScrapeAppender(*app, *cache_, *target_, options_, stale_time).ReportStale(stale_time).ok()) {
    (void)app->Commit();
  } else {
    app->Rollback();
  }
}

Status ScrapeLoop::CommitReport(std::unique_ptr<storage::Appender> app, int64_t t,
                                const ScrapeSummary& summary, const AppendOutcome& outcome) {
  ScrapeAppender appender(*app, *cache_, *target_, options_, ToMillis(Clock::now()));
  if (Status st = appender.Report(t, summary, outcome); !st.ok()) {
    app->Rollback();
    return st;
  }
  return app->Commit();
}

void ScrapeLoop::ScrapeAndReport(int64_t t) {
  const auto start = std::chrono::steady_clock::now();
  const int64_t now_ms = ToMillis(Clock::now());
  std::optional<std::string> forced;
  {
    std::lock_guard lock(mu_);
    forced = forced_error_;
  }
  auto app = env_.storage->MakeAppender();
  const auto fresh_empty = [&] {  // a failed append's batch goes; its series go stale instead
    app->Rollback();
    app = env_.storage->MakeAppender();
    if (!ScrapeAppender(*app, *cache_, *target_, options_, now_ms).AppendEmpty(t).ok()) {
      app->Rollback();
      app = env_.storage->MakeAppender();
    }
  };
  AppendOutcome outcome;
  Status scrape_status;
  ScrapeSummary summary;
  if (forced) {
    scrape_status = BadData(*forced);
    if (!ScrapeAppender(*app, *cache_, *target_, options_, now_ms).AppendEmpty(t).ok()) {
      app->Rollback();
      app = env_.storage->MakeAppender();
    }
  } else {
    FetchRequest request{target_->Url(),
                         AcceptFor(*config_),
                         config_->enable_compression,
                         timeout_ms_,
                         config_->body_size_limit_bytes,
                         env_.user_agent};
    FetchResult fetched = fetcher_.Fetch(request, [this] { return cancelled_flag_.load(); });
    scrape_status = fetched.status;
    summary.body_bytes = fetched.over_body_size_limit ? -1 : static_cast<int64_t>(fetched.body.size());
    outcome = ScrapeAppender(*app, *cache_, *target_, options_, now_ms)
                  .Append(fetched.status.ok() ? fetched.body : std::string_view(), fetched.content_type, t);
    if (!outcome.status.ok()) fresh_empty();
    if (scrape_status.ok()) scrape_status = outcome.status;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  summary.ok = scrape_status.ok();
  summary.duration_seconds = seconds;
  ScrapeReport report;
  report.health = scrape_status.ok() ? Health::kUp : Health::kDown;
  report.last_error = scrape_status.ok() ? "" : scrape_status.error().message();
  report.last_scrape = Clock::time_point(std::chrono::milliseconds(t));
  report.last_duration_seconds = seconds;
  if (!scrape_status.ok() && !config_->scrape_failure_log_file.empty()) {
    LogFailure(config_->scrape_failure_log_file, target_->Url(), scrape_status.error().message());
  }
  target_->Report(std::move(report));
  (void)CommitReport(std::move(app), t, summary, outcome);
  last_scrape_ms_ = t;
}

}  // namespace promref::scrape
