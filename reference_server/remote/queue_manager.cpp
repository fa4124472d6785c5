#include "remote/queue_manager.h"

#include <chrono>

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

QueueManager::QueueManager(config::RemoteWriteConfig config, model::Labels external_labels,
                           std::string user_agent, std::function<void(const std::string&)> log)
    : config_(std::move(config)),
      external_labels_(std::move(external_labels)),
      user_agent_(std::move(user_agent)),
      log_(std::move(log)) {}

QueueManager::~QueueManager() {
  Stop();
}

void QueueManager::Start() {
  for (int64_t i = 0; i < config_.queue_config.min_shards; ++i) shards_.push_back(std::make_unique<Shard>());
  for (auto& s : shards_) {
    Shard* shard = s.get();
    shard->thread = std::thread([this, shard] { RunShard(*shard); });
  }
}

void QueueManager::Stop() {
  stop_ = true;
  for (auto& s : shards_) {
    { std::lock_guard lock(s->mu); }
    s->cv.notify_all();
  }
  for (auto& s : shards_) {
    if (s->thread.joinable()) s->thread.join();
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
    if (!Enqueue({s.ref, s.t, s.v, nullptr})) return false;
  }
  return true;
}

bool QueueManager::AppendHistograms(const std::vector<tsdb::wal::RefHistogram>& histograms) {
  if (!config_.send_native_histograms) return true;
  for (const auto& h : histograms) {
    if (!Enqueue({h.ref, h.t, 0, std::make_shared<const model::FloatHistogram>(h.h)})) return false;
  }
  return true;
}

bool QueueManager::Idle() const {
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
        if (p->h) {
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
      if (p->h) {
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
    const SendResult r = client.Send(body, attempt);
    if (r.ok) {
      counters_.samples_sent += samples;
      counters_.histograms_sent += histograms;
      return;
    }
    if (!r.recoverable) {
      log_("non-recoverable error, dropping " + std::to_string(batch.size()) + " samples: " + r.error);
      ++counters_.requests_failed;
      counters_.samples_dropped += batch.size();
      return;
    }
    const int64_t sleep_ms = r.retry_after_ms > 0 ? r.retry_after_ms : backoff;
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
      // A full batch goes at once; a partial one when the deadline since its first sample passes.
      s.cv.wait(lock, [&] { return stop_ || !s.queue.empty(); });
      if (stop_) return;
      const auto until = Clock::now() + deadline;
      s.cv.wait_until(lock, until, [&] { return stop_ || s.queue.size() >= max_batch; });
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
