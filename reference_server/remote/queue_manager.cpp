#include "remote/queue_manager.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "relabel/relabel.h"
#include "wire/received_histogram.h"
#include "wire/remote_write.h"
#include "wire/remote_write_v2.h"

namespace promref::remote {
namespace {

using Clock = std::chrono::steady_clock;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

wire::RawLabels Raw(const model::Labels& l) {
  wire::RawLabels out;
  for (const model::LabelView& v : l) out.emplace_back(std::string(v.name), std::string(v.value));
  return out;
}

}  // namespace

void EwmaRate::Tick() {
  const double instant = pending_ / interval_;
  const bool had_events = pending_ > 0;
  pending_ = 0;
  if (init_) {
    rate_ += 0.2 * (instant - rate_);
  } else if (had_events) {
    init_ = true;
    rate_ = instant;
  }
}

QueueManager::QueueManager(config::RemoteWriteConfig config, model::Labels external_labels,
                           std::string user_agent, std::function<void(const std::string&)> log,
                           std::chrono::milliseconds shard_update_interval)
    : config_(std::move(config)),
      external_labels_(std::move(external_labels)),
      user_agent_(std::move(user_agent)),
      log_(std::move(log)),
      shard_update_interval_(shard_update_interval),
      data_in_(shard_update_interval.count() / 1000.0),
      data_out_(shard_update_interval.count() / 1000.0),
      data_dropped_(shard_update_interval.count() / 1000.0),
      data_out_duration_(shard_update_interval.count() / 1000.0) {}

QueueManager::~QueueManager() {
  Stop();
}

void QueueManager::StartShards(int n) {
  shards_.clear();
  for (int i = 0; i < n; ++i) shards_.push_back(std::make_unique<Shard>());
  for (auto& sh : shards_) {
    Shard* shard = sh.get();
    shard->thread = std::thread([this, shard] { RunShard(*shard); });
  }
}

void QueueManager::DrainShards() {
  for (auto& sh : shards_) {
    {
      std::lock_guard lock(sh->mu);
      sh->draining = true;
    }
    sh->cv.notify_all();
  }
  for (auto& sh : shards_) {
    if (sh->thread.joinable()) sh->thread.join();
  }
}

void QueueManager::Start() {
  {
    std::unique_lock lock(shards_mu_);
    StartShards(static_cast<int>(config_.queue_config.min_shards));
  }
  reshard_thread_ = std::thread([this] { ReshardLoop(); });
}

void QueueManager::Stop() {
  stop_ = true;
  reshard_cv_.notify_all();
  if (reshard_thread_.joinable()) reshard_thread_.join();
  std::shared_lock lock(shards_mu_);
  for (auto& sh : shards_) {
    { std::lock_guard shard_lock(sh->mu); }
    sh->cv.notify_all();
  }
  for (auto& sh : shards_) {
    if (sh->thread.joinable()) sh->thread.join();
  }
}

int QueueManager::num_shards() const {
  std::shared_lock lock(shards_mu_);
  return static_cast<int>(shards_.size());
}

// Prometheus' calculateDesiredShards, on the rates of the last tick.
int QueueManager::DesiredShards() {
  std::lock_guard lock(rates_mu_);
  data_in_.Tick();
  data_out_.Tick();
  data_dropped_.Tick();
  data_out_duration_.Tick();
  const double in = data_in_.rate(), out = data_out_.rate();
  const int current = num_shards();
  if (out <= 0) return current;
  const double kept = out / (data_dropped_.rate() + out);
  const double delay = std::max<double>((highest_recv_ms_ - highest_sent_ms_) / 1000.0, 0);
  const double pending = delay * in * kept;
  const double time_per_sample = data_out_duration_.rate() / 1e9 / out;
  double desired = time_per_sample * (in * kept + 0.05 * pending);
  desired = std::ceil(desired);
  if (current * 0.7 <= desired && desired <= current * 1.3) return current;
  int n = static_cast<int>(desired);
  if (n < current && delay > 10.0) return current;  // too far behind to shrink
  return static_cast<int>(
      std::clamp<int64_t>(n, config_.queue_config.min_shards, config_.queue_config.max_shards));
}

void QueueManager::ReshardLoop() {
  std::unique_lock lock(reshard_mu_);
  while (!reshard_cv_.wait_for(lock, shard_update_interval_, [&] { return stop_.load(); })) {
    const int desired = DesiredShards();
    if (desired == num_shards() || NowMs() < reshard_disabled_until_ms_) continue;
    log_("resharding from " + std::to_string(num_shards()) + " to " + std::to_string(desired) + " shards");
    std::unique_lock shards_lock(shards_mu_);  // appends wait while the old shards drain
    DrainShards();
    StartShards(desired);
  }
}

void QueueManager::StoreSeries(const std::vector<tsdb::wal::RefSeries>& series) {
  std::lock_guard lock(series_mu_);
  for (const auto& s : series) {
    // External labels go on first, so that write relabeling sees them (as in Prometheus).
    model::LabelsBuilder b(s.labels);
    for (const model::LabelView& l : external_labels_) {
      if (!s.labels.Has(l.name)) b.Set(l.name, l.value);
    }
    model::Labels labels = b.Build();
    if (!config_.write_relabel_configs.empty()) {
      labels = relabel::Process(labels, config_.write_relabel_configs).value_or(model::Labels());
    }
    series_[s.ref] = std::move(labels);
  }
}

bool QueueManager::Enqueue(Pending p) {
  {
    std::lock_guard lock(series_mu_);
    auto it = series_.find(p.ref);
    if (it == series_.end() || it->second.empty()) {
      ++counters_.samples_dropped;  // unknown series, or relabeled away
      return true;
    }
  }
  highest_recv_ms_ = std::max(highest_recv_ms_.load(), p.t);
  {
    std::lock_guard rates(rates_mu_);
    data_in_.Add(1);
  }
  std::shared_lock shards(shards_mu_);
  Shard& s = *shards_[p.ref % shards_.size()];
  std::unique_lock lock(s.mu);
  const size_t capacity = static_cast<size_t>(config_.queue_config.capacity);
  s.cv.wait(lock, [&] { return stop_ || s.queue.size() < capacity; });
  if (stop_) return false;
  s.queue.push_back(std::move(p));
  s.cv.notify_all();
  return true;
}

bool QueueManager::AppendSamples(const std::vector<tsdb::wal::RefSample>& samples) {
  for (const auto& s : samples) {
    if (!Enqueue({s.ref, s.t, s.v, nullptr, nullptr})) return false;
  }
  return true;
}

bool QueueManager::AppendHistograms(const std::vector<tsdb::wal::RefHistogram>& histograms) {
  if (!config_.send_native_histograms) return true;
  for (const auto& h : histograms) {
    if (!Enqueue({h.ref, h.t, 0, std::make_shared<const model::FloatHistogram>(h.h), nullptr})) return false;
  }
  return true;
}

bool QueueManager::AppendExemplars(const std::vector<tsdb::wal::RefExemplar>& exemplars) {
  if (!config_.send_exemplars) return true;
  for (const auto& e : exemplars) {
    if (!Enqueue({e.ref, e.t, e.v, nullptr, std::make_shared<const model::Labels>(e.labels)})) return false;
  }
  return true;
}

bool QueueManager::Idle() const {
  std::shared_lock shards(shards_mu_);
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mu);
    if (!s->queue.empty() || s->busy) return false;
  }
  return true;
}

std::string QueueManager::Encode(const std::vector<Pending>& batch, size_t* samples,
                                 size_t* histograms) const {
  // One series entry per distinct series of the batch, in first-seen order.
  std::unordered_map<uint64_t, size_t> index;
  std::vector<std::pair<model::Labels, std::vector<const Pending*>>> grouped;
  {
    std::lock_guard lock(series_mu_);
    for (const Pending& p : batch) {
      auto [it, inserted] = index.emplace(p.ref, grouped.size());
      if (inserted) grouped.push_back({series_.at(p.ref), {}});
      grouped[it->second].second.push_back(&p);
    }
  }
  *samples = *histograms = 0;
  if (config_.protobuf_message == "io.prometheus.write.v2.Request") {
    wire::v2::RequestV2 req;
    for (const auto& [labels, points] : grouped) {
      wire::v2::TimeSeries ts;
      ts.labels = Raw(labels);
      for (const Pending* p : points) {
        if (p->exemplar) {
          ts.exemplars.push_back({Raw(*p->exemplar), p->v, p->t});
        } else if (p->h) {
          ts.histograms.push_back({wire::ToWireHistogram(*p->h, p->t), 0});
          ++*histograms;
        } else {
          ts.samples.push_back({p->v, p->t, 0});
          ++*samples;
        }
      }
      req.timeseries.push_back(std::move(ts));
    }
    return wire::SnappyCompress(wire::v2::EncodeRequestV2(req));
  }
  wire::WriteRequest req;
  for (const auto& [labels, points] : grouped) {
    wire::TimeSeries ts;
    ts.labels = Raw(labels);
    for (const Pending* p : points) {
      if (p->exemplar) {
        ts.exemplars.push_back({Raw(*p->exemplar), p->v, p->t});
      } else if (p->h) {
        ts.histograms.push_back(wire::ToWireHistogram(*p->h, p->t));
        ++*histograms;
      } else {
        ts.samples.push_back({p->t, p->v});
        ++*samples;
      }
    }
    req.timeseries.push_back(std::move(ts));
  }
  return wire::SnappyCompress(wire::EncodeWriteRequest(req));
}

void QueueManager::SendBatch(std::vector<Pending>& batch, WriteClient& client) {
  if (config_.queue_config.sample_age_limit_ms > 0) {
    const int64_t oldest = NowMs() - config_.queue_config.sample_age_limit_ms;
    const size_t before = batch.size();
    std::erase_if(batch, [&](const Pending& p) { return p.t < oldest; });
    counters_.samples_dropped += before - batch.size();
  }
  if (batch.empty()) return;
  size_t samples = 0, histograms = 0;
  const std::string body = Encode(batch, &samples, &histograms);
  int64_t backoff = config_.queue_config.min_backoff_ms;
  for (int attempt = 0; !stop_; ++attempt) {
    const auto begin = Clock::now();
    const SendResult r = client.Send(body, attempt);
    if (r.ok) {
      counters_.samples_sent += samples;
      counters_.histograms_sent += histograms;
      counters_.exemplars_sent += batch.size() - samples - histograms;
      int64_t newest = 0;
      for (const Pending& p : batch) newest = std::max(newest, p.t);
      highest_sent_ms_ = std::max(highest_sent_ms_.load(), newest);
      std::lock_guard rates(rates_mu_);
      data_out_.Add(static_cast<double>(batch.size()));
      data_out_duration_.Add(static_cast<double>(std::chrono::nanoseconds(Clock::now() - begin).count()));
      return;
    }
    if (!r.recoverable) {
      log_("non-recoverable error, dropping " + std::to_string(batch.size()) + " samples: " + r.error);
      ++counters_.requests_failed;
      counters_.samples_dropped += batch.size();
      std::lock_guard rates(rates_mu_);
      data_dropped_.Add(static_cast<double>(batch.size()));
      return;
    }
    const int64_t sleep_ms = r.retry_after_ms > 0 ? r.retry_after_ms : backoff;
    // As Prometheus: no resharding for twice the wait, more shards would not help.
    reshard_disabled_until_ms_ = std::max(reshard_disabled_until_ms_.load(), NowMs() + 2 * sleep_ms);
    ++counters_.retries;
    log_("failed to send batch, retrying: " + r.error);
    const auto until = Clock::now() + std::chrono::milliseconds(sleep_ms);
    while (!stop_ && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    backoff = std::min(sleep_ms * 2, config_.queue_config.max_backoff_ms);
  }
}

void QueueManager::RunShard(Shard& s) {
  WriteClient client(config_, user_agent_);
  const size_t max_batch = static_cast<size_t>(config_.queue_config.max_samples_per_send);
  const auto deadline = std::chrono::milliseconds(config_.queue_config.batch_send_deadline_ms);
  std::vector<Pending> batch;
  while (true) {
    {
      std::unique_lock lock(s.mu);
      // A full batch goes at once; a partial one when the deadline since its first sample
      // passes, or at once when draining for a reshard.
      s.cv.wait(lock, [&] { return stop_ || s.draining || !s.queue.empty(); });
      if (stop_ || (s.draining && s.queue.empty())) return;
      const auto until = Clock::now() + deadline;
      s.cv.wait_until(lock, until, [&] { return stop_ || s.draining || s.queue.size() >= max_batch; });
      if (stop_) return;
      const size_t n = std::min(max_batch, s.queue.size());
      batch.assign(std::make_move_iterator(s.queue.begin()), std::make_move_iterator(s.queue.begin() + n));
      s.queue.erase(s.queue.begin(), s.queue.begin() + n);
      s.busy = true;
    }
    s.cv.notify_all();  // room for the WAL watcher
    SendBatch(batch, client);
    std::lock_guard lock(s.mu);
    s.busy = false;
  }
}

}  // namespace promref::remote
